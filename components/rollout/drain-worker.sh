#!/bin/bash
# A worker's rolling change begins: the worker cordoned and drained, so its pods run elsewhere while it changes.
: "${node:?}" "${drain_timeout:?}"
# shellcheck source=../remote/kubectl.sh
. ../remote/kubectl.sh
drain "$node" "$drain_timeout" ||
  { echo "[rollout] $node: drain did not finish within ${drain_timeout}s; the Node stays cordoned" >&2; exit 1; }
echo "[rollout] $node drained"
