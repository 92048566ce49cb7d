#!/usr/bin/env bash
# Smoke test: kubelet (standalone, no API server) + containerd + runc from lab/k8s/build.sh run an etcd static pod
# from lab/k8s/images.py images inside a systemd-nspawn node on this machine's cgroup v1, without changing the
# machine: the node runs in private child cgroups (removed afterwards) and sees fake values for the six global
# sysctls the kubelet would otherwise write (kernel.panic_on_oops=1 etc.).
#
#   lab/k8s/smoke/kubelet-smoke.sh ROOTFS     (ROOTFS: a lab node root file system with busybox-static, e.g.
#                                             $KUBEADM_PULUMI_CACHE/rootfs/bookworm-...); needs root, systemd-nspawn
# Passes when etcd's /health answers {"health":"true"} from the static pod. Measured 2026-11-29: passes with
# kubelet v1.37.2, containerd v2.4.2, runc v1.5.2, pause 3.10.2, etcd 3.7.0.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
root=${1:?usage: kubelet-smoke.sh ROOTFS}
[ -d "$root/usr" ] || { echo "no root file system at $root" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/kubelet-smoke.XXXXXX")
declare -A dir
while read -r unit d; do dir[$unit]=$d; done < <("$here/build.sh" kubernetes-1.37 etcd pause containerd runc)
mkdir -p "$work"/{upper,ctd,kubelet,bin,img}
cp "${dir[containerd]}"/bin/* "${dir[runc]}/bin/runc" "${dir[kubernetes-1.37]}/bin/kubelet" "$work/bin/"
python3 "$here/images.py" image --ref "registry.k8s.io/etcd:$(sed 's/^v//' "${dir[etcd]}/version")-0" \
  --file "${dir[etcd]}/bin/etcd:/usr/local/bin/etcd" --entrypoint /usr/local/bin/etcd --out "$work/img/etcd.tar" >/dev/null
python3 "$here/images.py" image --ref "registry.k8s.io/pause:$(cat "${dir[pause]}/version")" \
  --file "${dir[pause]}/bin/pause:/pause" --entrypoint /pause --user 65535:65535 --out "$work/img/pause.tar" >/dev/null
sed 's#/usr/local/bin/runc#/opt/k8s/bin/runc#' "$here/config/containerd.toml" > "$work/containerd.toml"
etcd_ref="registry.k8s.io/etcd:$(sed 's/^v//' "${dir[etcd]}/version")-0"

cat > "$work/inside.sh" <<EOF
#!/bin/sh
export PATH=/opt/k8s/bin:\$PATH
grep ' cgroup ro,' /proc/self/mounts | while read -r src mp fstype opts rest; do
  sub=\$(echo "\$opts" | tr , '\n' | grep -v -x -E 'ro|rw|nosuid|nodev|noexec|relatime|noatime' | paste -sd, -)
  umount "\$mp" && mount -t cgroup -o "\$sub" cgroup "\$mp"
done
mkdir -p /run/fake-sysctl
for kv in vm/overcommit_memory=1 vm/panic_on_oom=0 kernel/panic=10 kernel/panic_on_oops=1 kernel/keys/root_maxkeys=1000000 kernel/keys/root_maxbytes=25000000; do
  f=/run/fake-sysctl/\$(echo \${kv%%=*} | tr / _); echo \${kv#*=} > \$f; mount --bind -o ro \$f /proc/sys/\${kv%%=*}
done
mkdir -p /etc/containerd /etc/kubernetes/manifests
cp /opt/k8s/containerd.toml /etc/containerd/config.toml
containerd > /tmp/containerd.log 2>&1 &
sleep 4
for i in /opt/k8s/img/*.tar; do ctr -n k8s.io images import \$i >/dev/null 2>&1; done
cat > /var/lib/kubelet/config.yaml <<'YAML'
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
failCgroupV1: false
cgroupDriver: cgroupfs
containerRuntimeEndpoint: unix:///run/containerd/containerd.sock
staticPodPath: /etc/kubernetes/manifests
authentication: {anonymous: {enabled: true}, webhook: {enabled: false}}
authorization: {mode: AlwaysAllow}
address: 127.0.0.1
YAML
cat > /etc/kubernetes/manifests/etcd.yaml <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: etcd, namespace: kube-system}
spec:
  hostNetwork: true
  containers:
  - name: etcd
    image: $etcd_ref
    imagePullPolicy: Never
    command: [etcd, --data-dir=/tmp/etcd, --listen-client-urls=http://127.0.0.1:2379, --advertise-client-urls=http://127.0.0.1:2379, --listen-peer-urls=http://127.0.0.1:2380, --listen-metrics-urls=http://127.0.0.1:2381]
YAML
kubelet --config=/var/lib/kubelet/config.yaml > /tmp/kubelet.log 2>&1 &
ok=1
for i in \$(seq 1 60); do
  if busybox wget -q -O - http://127.0.0.1:2381/health 2>/dev/null | grep -q '"health":"true"'; then ok=0; break; fi
  sleep 2
done
ctr -n k8s.io tasks ls 2>/dev/null
grep -E '^E' /tmp/kubelet.log | tail -5
[ \$ok = 0 ] && echo "SMOKE PASS: etcd static pod healthy" || echo "SMOKE FAIL"
exit \$ok
EOF
chmod +x "$work/inside.sh"

# private child cgroups for the node (so the kubelet's /kubepods lands under them), removed afterwards
sub=kubelet-smoke-$$; made=()
for c in cpu cpuacct cpuset memory devices freezer blkio pids systemd; do
  cur=$(awk -F: -v c=$c '$2==c || $2=="name="c {print $3}' /proc/self/cgroup)
  d=/sys/fs/cgroup/$c${cur%/}/$sub
  [ -d "$(dirname "$d")" ] || continue
  mkdir -p "$d"; made+=("$d")
  if [ $c = cpuset ]; then cat "$(dirname "$d")/cpuset.cpus" > "$d/cpuset.cpus"; cat "$(dirname "$d")/cpuset.mems" > "$d/cpuset.mems"; fi
done
rc=0
(
  for d in "${made[@]}"; do echo $BASHPID > "$d/cgroup.procs"; done
  SYSTEMD_SECCOMP=0 SYSTEMD_NSPAWN_API_VFS_WRITABLE=1 exec timeout 300 systemd-nspawn -q -D "$root" \
    --overlay="$root:$work/upper:/" --register=no --keep-unit --capability=all --private-network -M "ksmoke$$" \
    --bind="$work/ctd:/var/lib/containerd" --bind="$work/kubelet:/var/lib/kubelet" --bind-ro=/dev/kmsg \
    --bind-ro="$work/bin:/opt/k8s/bin" --bind-ro="$work/img:/opt/k8s/img" \
    --bind-ro="$work/containerd.toml:/opt/k8s/containerd.toml" --bind-ro="$work/inside.sh:/inside.sh" /inside.sh
) || rc=$?
for d in "${made[@]}"; do find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || echo "left behind: $d" >&2; done
rm -rf "$work"
exit $rc
