#!/bin/bash
# A phase's objects removed; an API server that is already gone leaves them to reset (etcd is wiped).
: "${phase:?}" "${kubeconfig:?}" "${manifest_b64:?}"
echo "$manifest_b64" | base64 -d |
  kubectl --kubeconfig="$kubeconfig" --request-timeout=20s delete --ignore-not-found --wait=false -f - >/dev/null 2>&1 ||
  echo "[$phase] API server unreachable: objects are left to reset" >&2
