#!/bin/sh
# kubeadm-pulumi preflight: one line per check, then a verdict.
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
host='node-1 (10.213.0.11)'
failed=''
fail() { echo "$*"; exit 1; }  # each check body runs in a subshell, so exit ends only that check
report() {  # name level ignored detail-lines
  detail=$(printf "%s" "$4" | tr "\n" " " | sed "s/ *$//")
  if [ "$5" = 0 ]; then echo "[preflight] ok $1${detail:+: $detail}"; return; fi
  if [ "$2" = ERROR ] && [ "$3" = no ]; then
    echo "[preflight] [ERROR $1]: $detail"; failed="$failed [ERROR $1]: $detail;"
  elif [ "$3" = yes ]; then echo "[preflight] [WARNING $1]: $detail (ignored)"
  else echo "[preflight] [WARNING $1]: $detail"; fi
}
out=$( ( [ "$(id -u)" = 0 ] || fail "running as uid $(id -u), root is required" ) 2>&1 ); report IsPrivilegedUser ERROR no "$out" $?
out=$( ( s=$(systemctl is-system-running 2>/dev/null); case "$s" in running|degraded) echo "$s";; *) fail "systemd is ${s:-not answering}, want running or degraded";; esac ) 2>&1 ); report SystemdState ERROR no "$out" $?
out=$( ( k=$(uname -r); [ "$(printf "%s\n" 4.19 "${k%%-*}" | sort -V | head -n1)" = 4.19 ] || fail "kernel $k is older than 4.19"; [ -d /sys/fs/cgroup ] || fail "no cgroup file system at /sys/fs/cgroup"; echo "kernel $k" ) 2>&1 ); report SystemVerification ERROR no "$out" $?
out=$( ( [ -S /run/containerd/containerd.sock ] || fail "containerd socket /run/containerd/containerd.sock missing"; v=$(ctr --address /run/containerd/containerd.sock version 2>&1) || fail "containerd does not answer: $v"; echo "$v" | awk '/^Server:/{s=1} s && /Version:/{print "containerd " $2; exit}' ) 2>&1 ); report CRI ERROR no "$out" $?
out=$( ( [ "$(wc -l < /proc/swaps)" -le 1 ] || fail "swap is on" ) 2>&1 ); report Swap WARNING no "$out" $?
out=$( ( [ "$(cat /proc/sys/net/ipv4/ip_forward)" = 1 ] || fail "/proc/sys/net/ipv4/ip_forward is not 1" ) 2>&1 ); report FileContent--proc-sys-net-ipv4-ip_forward ERROR no "$out" $?
out=$( ( n=$(nproc); [ "$n" -ge 2 ] || fail "$n CPUs, a control plane needs 2"; echo "$n CPUs" ) 2>&1 ); report NumCPU ERROR no "$out" $?
out=$( ( m=$(awk '/^MemTotal:/{print int($2/1024)}' /proc/meminfo); [ "$m" -ge 1700 ] || fail "$m MB of memory, a control plane needs 1700 MB"; echo "$m MB" ) 2>&1 ); report Mem ERROR no "$out" $?
out=$( ( command -v ip || fail "ip not found in PATH" ) 2>&1 ); report FileExisting-ip ERROR no "$out" $?
out=$( ( command -v iptables || fail "iptables not found in PATH" ) 2>&1 ); report FileExisting-iptables ERROR no "$out" $?
out=$( ( command -v mount || fail "mount not found in PATH" ) 2>&1 ); report FileExisting-mount ERROR no "$out" $?
out=$( ( command -v nsenter || fail "nsenter not found in PATH" ) 2>&1 ); report FileExisting-nsenter ERROR no "$out" $?
out=$( ( command -v ebtables || fail "ebtables not found in PATH" ) 2>&1 ); report FileExisting-ebtables WARNING no "$out" $?
out=$( ( command -v ethtool || fail "ethtool not found in PATH" ) 2>&1 ); report FileExisting-ethtool WARNING no "$out" $?
out=$( ( command -v socat || fail "socat not found in PATH" ) 2>&1 ); report FileExisting-socat WARNING no "$out" $?
out=$( ( command -v tc || fail "tc not found in PATH" ) 2>&1 ); report FileExisting-tc WARNING no "$out" $?
out=$( ( command -v touch || fail "touch not found in PATH" ) 2>&1 ); report FileExisting-touch WARNING no "$out" $?
out=$( ( os=$( (. /etc/os-release && echo "${PRETTY_NAME:-$ID}") 2>/dev/null || echo "an unknown system"); { command -v apt-get && command -v dpkg-query; } >/dev/null || fail "$os has no apt-get: kubeadm-pulumi installs the Kubernetes packages with apt (Debian, Ubuntu); install kubelet, kubeadm and kubectl yourself and set kubeadm:packages.install: false"; echo "$os, apt" ) 2>&1 ); report PackageManager ERROR no "$out" $?
out=$( ( command -v openssl || fail "openssl not found in PATH" ) 2>&1 ); report FileExisting-openssl ERROR no "$out" $?
out=$( ( command -v curl || fail "curl not found in PATH" ) 2>&1 ); report FileExisting-curl ERROR no "$out" $?
out=$( ( u=$(ss -Hltnp "sport = :10250"); [ -z "$u" ] && exit 0; echo "$u" | grep -q '(("kubelet",' && echo "in use by kubelet of this cluster" || fail "port 10250 is in use" ) 2>&1 ); report Port-10250 ERROR no "$out" $?
out=$( ( u=$(ss -Hltnp "sport = :6443"); [ -z "$u" ] && exit 0; echo "$u" | grep -q '(("kube-apiserver",' && echo "in use by kube-apiserver of this cluster" || fail "port 6443 is in use" ) 2>&1 ); report Port-6443 ERROR no "$out" $?
out=$( ( u=$(ss -Hltnp "sport = :10257"); [ -z "$u" ] && exit 0; echo "$u" | grep -q '(("kube-controller",' && echo "in use by kube-controller-manager of this cluster" || fail "port 10257 is in use" ) 2>&1 ); report Port-10257 ERROR no "$out" $?
out=$( ( u=$(ss -Hltnp "sport = :10259"); [ -z "$u" ] && exit 0; echo "$u" | grep -q '(("kube-scheduler",' && echo "in use by kube-scheduler of this cluster" || fail "port 10259 is in use" ) 2>&1 ); report Port-10259 ERROR no "$out" $?
out=$( ( u=$(ss -Hltnp "sport = :2379"); [ -z "$u" ] && exit 0; echo "$u" | grep -q '(("etcd",' && echo "in use by etcd of this cluster" || fail "port 2379 is in use" ) 2>&1 ); report Port-2379 ERROR no "$out" $?
out=$( ( u=$(ss -Hltnp "sport = :2380"); [ -z "$u" ] && exit 0; echo "$u" | grep -q '(("etcd",' && echo "in use by etcd of this cluster" || fail "port 2380 is in use" ) 2>&1 ); report Port-2380 ERROR no "$out" $?
if [ -n "$failed" ]; then
  echo "preflight failed on host $host:$failed" >&2
  echo "fix the host, or list the check names in kubeadm:ignorePreflightErrors" >&2
  exit 1
fi
echo "[preflight] host $host passed"
