k() { kubectl --kubeconfig=/etc/kubernetes/admin.conf --request-timeout=20s "$@"; }
set -e
node=node-2
previous() { k get node "$node" -o "jsonpath=$1"; }
old_labels=$(previous '{.metadata.annotations.kubeadm-pulumi\.io/labels}')
old_taints=$(previous '{.metadata.annotations.kubeadm-pulumi\.io/taints}')
for key in $old_labels; do case ' tier ' in *" $key "*) ;; *) k label node "$node" "$key-" >/dev/null 2>&1 || true ;; esac; done
for key in $old_taints; do case ' dedicated:NoSchedule ' in *" $key "*) ;; *) k taint node "$node" "$key-" >/dev/null 2>&1 || true ;; esac; done
k label node "$node" tier=web --overwrite >/dev/null
k taint node "$node" dedicated=web:NoSchedule --overwrite >/dev/null
k annotate node "$node" --overwrite kubeadm-pulumi.io/labels=tier kubeadm-pulumi.io/taints=dedicated:NoSchedule >/dev/null
echo '[join] node-2: labels (tier) and taints (dedicated:NoSchedule) set'
