#!/bin/bash
# One control plane's part of a rolling change, after its files were written and its kubelet restarted: each static
# pod whose files changed runs on them (the kubelet replaces a pod whose manifest changed; a pod whose certificates
# or kubeconfig changed is restarted), then the node's health gate: every component healthy, its etcd member
# healthy, the API answering through the endpoint. Only then does the next control plane's change start.
# mode: `record` (the node just came up: note what its pods run on) or `roll`. pods: one record per line,
# "name manifest health-url file,file,...". What each pod ran on, and as which process, is kept in state_dir
# (kubeadm's tmp folder). Nothing here needs the API: the first control plane's is not open to admin.conf yet.
: "${node:?}" "${timeout:?}" "${mode:?}" "${pods:?}" "${state_dir:?}" "${endpoint:?}"
phase="rollout"
# shellcheck source=../remote/wait.sh
. ../remote/wait.sh
sums() { cat "$@" 2>/dev/null | sha256sum | cut -d' ' -f1; }
pid_of() { pgrep -o -f "^$1( |\$)"; }
# A process as "pid:start" (its start in seconds since the epoch), so a restart shows even when a pid comes back.
boot=$(awk '/^btime/ {print $2}' /proc/stat)
ticks=$(getconf CLK_TCK)
process() { local stat; stat=$(cut -d' ' -f22 "/proc/$1/stat" 2>/dev/null) && echo "$1:$((boot + stat / ticks))"; }
started() { echo "${1#*:}"; }
healthy() { curl -skf --max-time 3 -o /dev/null "$1"; }
mkdir -p "$state_dir"
while read -r name manifest health files; do
  [ -n "$name" ] || continue
  now_manifest=$(sums "$manifest")
  IFS=, read -r -a read_files <<<"$files"
  now_files=$(sums "${read_files[@]}")
  if [ "$mode" = roll ] && read -r was_manifest was_files was 2>/dev/null <"$state_dir/$name"; then
    if [ "$now_manifest" != "$was_manifest" ]; then
      # The kubelet replaces the pod: a process other than the one of the last gate, started after the manifest
      # was written (a second of slack for the clocks' rounding), is the new pod's.
      echo "[$phase] $node: $name: manifest changed, waiting for the kubelet to replace the pod"
      written=$(stat -c %Y "$manifest")
      until pid=$(pid_of "$name") && now=$(process "$pid") && [ "$now" != "$was" ] &&
        [ "$(started "$now")" -ge $((written - 1)) ]; do
        late && { journalctl -u kubelet --no-pager -n 20 >&2; fail "the kubelet did not replace $name within ${timeout}s"; }
        sleep 1
      done
    elif [ "$now_files" != "$was_files" ]; then
      pid=$(pid_of "$name") || fail "$name is not running"
      before=$(process "$pid")
      echo "[$phase] $node: $name: the files it reads changed, restarting it"
      kill "$pid"
      until pid=$(pid_of "$name") && now=$(process "$pid") && [ "$now" != "$before" ]; do
        late && { journalctl -u kubelet --no-pager -n 20 >&2; fail "$name did not restart within ${timeout}s"; }
        sleep 1
      done
    fi
  fi
  until healthy "$health"; do late && fail "$name not healthy at $health after ${timeout}s"; sleep 1; done
  pid=$(pid_of "$name") || fail "$name is not running"
  echo "$now_manifest $now_files $(process "$pid")" >"$state_dir/$name.next"
done <<END
$pods
END
until healthy "$endpoint/readyz"; do late && fail "the API does not answer at $endpoint after ${timeout}s"; sleep 1; done
for next in "$state_dir"/*.next; do mv -f "$next" "${next%.next}"; done
echo "[$phase] $node: control plane healthy"
