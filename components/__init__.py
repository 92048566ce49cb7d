"""kubeadm-pulumi components: one component per file, over pure render functions."""
