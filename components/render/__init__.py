"""Pure renderers: config values in, file text and Kubernetes objects out, byte-compatible with kubeadm's and
golden-tested. Static pod manifests and their flags, the kubelet's files, the cluster objects of upload-config,
bootstrap-token and the addons, the release's image tags.

May import: components.constants, components.config, and the pure tables of components.pki (certificate and
kubeconfig paths come from them). Never Pulumi, never a remote primitive.
"""
