"""Stacked etcd membership: ControlPlaneSet (the quorum guard, at preview), etcd-members (members that left the
config removed through a healthy one), and the scripts that talk to etcd's JSON gateway.

May import: components.constants, components.config, components.remote, components.render, components.pki,
components.node (host_inventory's reachability probe).
"""
