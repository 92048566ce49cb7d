#!/bin/bash
# kubeadm reset on a host, run from the machine running Pulumi with the cleanup script on stdin. An unreachable host
# (ssh's own exit status 255) does not fail the run: a host that is gone for good must not keep the rest of the
# cluster from converging (the program warns about it before, HostInventory).
: "${host:?}"
# shellcheck source=../remote/over-ssh.sh
. ../remote/over-ssh.sh
over_ssh
status=$?
if [ "$status" = 255 ]; then
  echo "[reset] $host ($address) is unreachable over SSH: the host was NOT reset; run 'kubeadm reset' on it"
  exit 0
fi
exit "$status"
