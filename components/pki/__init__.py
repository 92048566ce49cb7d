"""kubeadm's certs and kubeconfig phases: the certificate and kubeconfig tables (pure), the crypto that issues them
(pure), the dynamic resources that keep keys and certificates in state (encrypted), and the components that make the
cluster's PKI and kubeconfig files (ClusterPki, Kubeconfigs). EncryptedCerts encrypts what upload-certs uploads.

May import: components.constants, components.config, components.remote (HostFile).
"""
