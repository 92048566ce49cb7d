host=node-2
source_url=http://10.213.0.1/core:/stable:/v1.37/deb/
key=''
version=1.37.2
names='kubelet kubeadm kubectl'
keyring=/etc/apt/keyrings/kubernetes-apt-keyring.asc
source_list=/etc/apt/sources.list.d/kubernetes.list
node=node-2
timeout=240
kubelet_conf=/etc/kubernetes/kubelet.conf
kubelet_healthz=127.0.0.1:10248
# A worker's rolling change where kubeadm-pulumi manages the packages: drained, kubelet, kubeadm and kubectl brought
# to the cluster's version (the packages phase's script, in a subshell of its own), then the kubelet restarted on
# its files, healthy and its Node Ready.
packages() {
# packages: kubelet, kubeadm and kubectl at the cluster's version from Kubernetes' package repository (or the
# site's mirror of it), then held, as Kubernetes' install docs do; nothing is done when they already are. A kubelet
# that ran before the change is restarted on its new binary (the docs' `systemctl restart kubelet` after an upgrade).
set -eu
: "${host:?}" "${source_url:?}" "${key?}" "${version:?}" "${names:?}" "${keyring:?}" "${source_list:?}"
export DEBIAN_FRONTEND=noninteractive
line="deb [signed-by=$keyring] $source_url /"
installed() { dpkg-query -W -f '${Version}' "$1" 2>/dev/null || true; }

current=yes
held=$(apt-mark showhold)
[ "$(cat "$source_list" 2>/dev/null)" = "$line" ] || current=no
for name in $names; do
  case "$(installed "$name")" in "$version"-*) ;; *) current=no ;; esac
  printf '%s\n' "$held" | grep -qx "$name" || current=no
done

if [ "$current" = yes ]; then
  echo "[packages] $names $version from $source_url: installed and held"
else
  kubelet_before=$(installed kubelet)
  trap 'echo "packages: installing $names $version from $source_url failed on host $host" >&2' EXIT
  mkdir -p "$(dirname "$keyring")"
  if [ -n "$key" ]; then
    printf '%s' "$key" >"$keyring.tmp"
  else
    curl -fsSL "${source_url}Release.key" -o "$keyring.tmp"
  fi
  chmod 0644 "$keyring.tmp" && mv "$keyring.tmp" "$keyring"
  printf '%s\n' "$line" >"$source_list.tmp" && mv "$source_list.tmp" "$source_list"
  # apt's and dpkg's chatter (debconf's notes among it) is shown only when a command fails.
  log=$(mktemp)
  quiet() { "$@" >"$log" 2>&1 || { cat "$log" >&2; rm -f "$log"; exit 1; }; }
  # Only Kubernetes' source is refreshed: a site's other sources may be out of reach (air-gapped) or slow.
  quiet apt-get -q -o DPkg::Lock::Timeout=300 -o Dir::Etc::sourcelist="$source_list" -o Dir::Etc::sourceparts=- \
    -o APT::Get::List-Cleanup=0 update
  pins=""
  for name in $names; do pins="$pins $name=$version-*"; done
  # shellcheck disable=SC2086 # one word per package
  quiet apt-mark unhold $names
  # shellcheck disable=SC2086
  quiet apt-get -q -y -o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confold --no-install-recommends \
    --allow-downgrades --allow-change-held-packages install $pins
  # shellcheck disable=SC2086
  quiet apt-mark hold $names
  rm -f "$log"
  if [ -n "$kubelet_before" ] && [ "$kubelet_before" != "$(installed kubelet)" ]; then
    systemctl daemon-reload && systemctl restart kubelet
    echo "[packages] kubelet $kubelet_before -> $(installed kubelet): restarted"
  fi
  trap - EXIT
  for name in $names; do echo "[packages] $name $(installed "$name") from $source_url, held"; done
fi
}
(packages) || exit 1
# A worker's rolling change: its kubelet restarted on the files written before, then healthy and its Node Ready.
: "${node:?}" "${timeout:?}" "${kubelet_conf:?}" "${kubelet_healthz:?}"
phase="rollout"
# Shared by every script that waits: a deadline `timeout` seconds away, and failing with the phase and host named.
# Parameters (every script that includes this one gets them too): node, timeout; the script sets phase itself.
: "${node:?}" "${timeout:?}" "${phase:?}"
deadline=$(( $(date +%s) + timeout ))
late() { [ "$(date +%s)" -ge "$deadline" ]; }
fail() { echo "[$phase] $node: $*" >&2; exit 1; }
systemctl daemon-reload && systemctl restart kubelet
until curl -sf --max-time 3 -o /dev/null "http://$kubelet_healthz/healthz"; do
  late && { journalctl -u kubelet --no-pager -n 15 >&2; fail "the kubelet is not healthy after ${timeout}s"; }
  sleep 1
done
ready() {
  kubectl --kubeconfig="$kubelet_conf" --request-timeout=5s get node "$node" \
    -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null
}
until [ "$(ready)" = True ]; do late && fail "the Node is not Ready after ${timeout}s"; sleep 1; done
echo "[rollout] $node: kubelet restarted, Node Ready"
