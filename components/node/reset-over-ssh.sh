#!/bin/bash
# kubeadm reset on a host, run from the machine running Pulumi with the cleanup script on stdin. An unreachable host
# (ssh's own exit status 255) does not fail the run: a host that is gone for good must not keep the rest of the
# cluster from converging (the program warns about it before, HostInventory).
: "${host:?}" "${address:?}" "${port:?}" "${user:?}" "${key_file:?}"
# ServerAlive*: a host that vanishes during its reset is given up on within 15 s, not TCP's minutes.
ssh -i "$key_file" -p "$port" -o BatchMode=yes -o ConnectTimeout=5 -o ServerAliveInterval=5 \
  -o ServerAliveCountMax=3 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
  "$user@$address" sh -s
status=$?
if [ "$status" = 255 ]; then
  echo "[reset] $host ($address) is unreachable over SSH: the host was NOT reset; run 'kubeadm reset' on it"
  exit 0
fi
exit "$status"
