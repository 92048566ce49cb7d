# kubelet-start: (re)start the kubelet on the files written before this step.
systemctl daemon-reload && systemctl enable kubelet >/dev/null 2>&1 && systemctl restart kubelet &&
  echo "[kubelet-start] kubelet (re)started"
