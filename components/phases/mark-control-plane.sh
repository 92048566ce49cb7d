#!/bin/bash
# mark-control-plane: kubeadm's labels and taints on the Node (other labels and taints are kept), once the kubelet
# has registered it (a joining control plane's API server can be up before its Node is); any failure fails the step.
# labels: "key=value ..."; taints: "key:Effect ..." (neither has spaces).
: "${node:?}" "${timeout:?}" "${admin_conf:?}" "${labels:?}" "${taints:?}"
phase=mark-control-plane
# shellcheck source=../remote/wait.sh
. ../remote/wait.sh
# shellcheck source=../remote/kubectl.sh
. ../remote/kubectl.sh
until k get node "$node" >/dev/null 2>&1; do late && fail "Node not registered after ${timeout}s"; sleep 1; done
mark() {
  # shellcheck disable=SC2086 # lists of words without spaces
  k label node "$node" $labels --overwrite >/dev/null && for taint in $taints; do
    k taint node "$node" "$taint" --overwrite >/dev/null || return 1
  done
}
# Through the endpoint a request can reach an API server that is still starting: retry until the deadline.
until err=$(mark 2>&1); do late && fail "$err"; sleep 1; done
echo "[$phase] $node: labels and taints set"
