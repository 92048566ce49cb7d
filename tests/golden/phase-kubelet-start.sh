systemctl daemon-reload && systemctl enable kubelet >/dev/null 2>&1 && systemctl restart kubelet && echo "[kubelet-start] kubelet (re)started"
