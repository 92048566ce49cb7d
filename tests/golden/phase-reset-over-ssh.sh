ssh -i '/keys/lab key' -p 22 -o BatchMode=yes -o ConnectTimeout=5 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR root@10.213.0.12 sh -s
status=$?
if [ "$status" = 255 ]; then
  echo "[reset] node-2 (10.213.0.12) is unreachable over SSH: the host was NOT reset; run 'kubeadm reset' on it"
  exit 0
fi
exit "$status"
