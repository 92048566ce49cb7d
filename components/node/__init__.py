"""What every host of the cluster gets, one component each: Reset (the anchor destroy resets the host through),
Preflight (with its check table), KubeletStart, and Node, which strings them together per host.
HostInventory remembers the hosts of the last run, so the run can warn about hosts that leave unreachable;
host_watch names a host that stops answering while `pulumi up` runs (not a resource: a thread of the program).

May import: components.constants, components.config, components.remote, components.render, components.pki.
"""
