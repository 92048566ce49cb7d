"""Day-2 changes, rolled one node at a time. A control plane's files are written, its kubelet restarted and its
pods brought onto the new files (ControlPlaneRollout: the kubelet replaces a pod whose manifest changed, a pod whose
certificates or kubeconfig changed is restarted), and its health gate passed, before the next control plane's files
are written; workers follow in waves of workerRollout.maxUnavailable (drained, kubelet restarted, Ready,
uncordoned). Creating a cluster runs the same chain: what a rollout step records then is what later changes compare
against. Their shell in the `.sh` files beside.

May import: components.constants, components.config, components.remote, components.render, components.pki,
components.node.
"""
