"""kubeadm init's cluster-level phases, run on the first control plane once its Node is up: wait-control-plane,
upload-config, upload-certs, mark-control-plane, bootstrap-token, kubelet-finalize, addons. One phase per file, a
function or a component; their shell in scripts.py. ClusterApply applies a phase's objects with server-side apply.

May import: components.constants, components.config, components.remote, components.render, components.pki.
"""
