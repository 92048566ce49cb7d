#!/bin/bash
# A worker's rolling change ends: its Node Ready, then uncordoned (the next workers' change starts after this).
: "${node:?}" "${timeout:?}"
phase="rollout"
# shellcheck source=../remote/wait.sh
. ../remote/wait.sh
# shellcheck source=../remote/kubectl.sh
. ../remote/kubectl.sh
ready() { k get node "$node" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null; }
until [ "$(ready)" = True ]; do late && fail "the Node is not Ready after ${timeout}s"; sleep 1; done
k uncordon "$node" >/dev/null
echo "[rollout] $node uncordoned"
