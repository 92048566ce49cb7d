"""kubeadm join: NodeJoin for workers (a bootstrap token per join, discovery pinned by the CA hash, the kubelet's own
TLS bootstrap) and ControlPlaneJoin for more control planes (check-etcd, the etcd member added as a learner and
promoted, then init's wait, mark and finalize phases on the host). Their shell in scripts.py.

May import: components.constants, components.config, components.remote, components.render, components.pki,
components.node, components.phases, components.etcd (scripts).
"""
