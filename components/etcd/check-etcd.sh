#!/bin/bash
# check-etcd: before a control plane joins, every other etcd member is started and healthy.
: "${node:?}" "${peer_url:?}"
set -e
# shellcheck source=gateway.sh
. gateway.sh
list=$(members)
[ -n "$list" ] || { echo "[check-etcd] the etcd cluster does not answer on the first control plane" >&2; exit 1; }
echo "$list" | while read -r m; do
  [ -n "$m" ] || continue
  peer=$(echo "$m" | first_url peerURLs)
  [ "$peer" != "$peer_url" ] || continue
  name=$(echo "$m" | field name)
  healthy "$(echo "$m" | first_url clientURLs)" || {
    echo "[check-etcd] member ${name:-(not started)} at $peer is not healthy: $node does not join an unhealthy etcd cluster" >&2
    exit 1
  }
done
echo "[check-etcd] every etcd member is healthy"
