kubeadm_pulumi_create() {
echo hi
}
kubeadm_pulumi_delete() {
echo bye
}
{ "$1"; exit; }
PAYLOAD
