#!/bin/bash
# control-plane-join etcd: once the node's learner has caught up with the leader, it becomes a voting member.
: "${node:?}" "${peer_url:?}" "${timeout:?}"
phase="control-plane-join"
# shellcheck source=gateway.sh
. gateway.sh
# shellcheck source=../remote/wait.sh
. ../remote/wait.sh
while :; do
  m=$(members | grep "\"peerURLs\":\[\"$peer_url\"") || fail "not an etcd member"
  echo "$m" | grep -q '"isLearner":true' || break
  answer=$(etcd cluster/member/promote "{\"ID\":\"$(echo "$m" | field ID)\"}" 2>&1) || true
  # Success lists the members; a learner that has not caught up yet gets an error (`code` and `message`).
  echo "$answer" | grep -q '"members"' && break
  late && fail "etcd did not catch up within ${timeout}s: $answer"
  sleep 2
done
echo "[control-plane-join] etcd: $node is a voting member"
