k() { kubectl --kubeconfig=/etc/kubernetes/admin.conf --request-timeout=20s "$@"; }
set -e
node=node-2
previous() { printf '%s\n' "${PULUMI_COMMAND_STDOUT:-}" | sed -n "s/^$1: //p"; }
for key in $(previous labels); do case ' tier ' in *" $key "*) ;; *) k label node "$node" "$key-" >/dev/null 2>&1 || true ;; esac; done
for key in $(previous taints); do case ' dedicated:NoSchedule ' in *" $key "*) ;; *) k taint node "$node" "$key-" >/dev/null 2>&1 || true ;; esac; done
k label node "$node" tier=web --overwrite >/dev/null
k taint node "$node" dedicated=web:NoSchedule --overwrite >/dev/null
echo 'labels: tier'
echo 'taints: dedicated:NoSchedule'
