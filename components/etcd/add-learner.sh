#!/bin/bash
# control-plane-join etcd: the node added as a learner (once; a learner left by a failed run is reused), then the
# --initial-cluster its etcd must start with printed: every member's name=peerURL.
: "${node:?}" "${peer_url:?}"
set -e
# shellcheck source=gateway.sh
. gateway.sh
if ! members | grep -q "\"peerURLs\":\[\"$peer_url\""; then
  etcd cluster/member/add "{\"peerURLs\":[\"$peer_url\"],\"isLearner\":true}" | grep -q '"member"' ||
    { echo "[control-plane-join] etcd refused to add $node at $peer_url" >&2; exit 1; }
fi
members | while read -r m; do
  [ -n "$m" ] || continue
  p=$(echo "$m" | first_url peerURLs)
  n=$(echo "$m" | field name)
  [ "$p" = "$peer_url" ] && n=$node
  printf '%s=%s\n' "$n" "$p"
done | sort | paste -sd, -
