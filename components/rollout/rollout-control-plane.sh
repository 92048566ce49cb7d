#!/bin/bash
# One control plane's part of a rolling change, after its files were written and its kubelet restarted: each static
# pod whose files changed runs on them (the kubelet replaces a pod whose manifest changed; a pod whose certificates
# or kubeconfig changed is restarted), then the node's health gate: every component healthy, its etcd member
# healthy, the API answering through the endpoint. Only then does the next control plane's change start.
# mode: `record` (the node just came up: note what its pods run on) or `roll`. pods: one record per line,
# "name manifest health-url file,file,...". What each pod ran on, and as which process, is kept in state_dir
# (kubeadm's tmp folder). Nothing here needs the API: the first control plane's is not open to admin.conf yet.
: "${node:?}" "${timeout:?}" "${mode:?}" "${pods:?}" "${state_dir:?}" "${endpoint:?}" "${grace:?}"
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
# While etcd restarts, its node's API server cannot answer (it talks to that member alone, as kubeadm sets it up),
# yet a load balancer keeps sending it requests until its /readyz has failed long enough. So the API server is
# stopped first, its manifest moved aside (the kubelet stops the pod; clients go to the other control planes), and
# put back once etcd is healthy again (etcd comes before it in the pods). A run that stops in between puts it back
# on its way out, or the next run does.
apiserver_manifest=$(awk '$1 == "kube-apiserver" {print $2}' <<<"$pods")
parked="$state_dir/kube-apiserver.parked"
unpark() { if [ -e "$parked" ] && [ -n "$apiserver_manifest" ]; then mv -f "$parked" "$apiserver_manifest"; fi; }
unpark
trap unpark EXIT
apiserver_parked=""
while read -r name manifest health files; do
  [ -n "$name" ] || continue
  # Each pod gets the whole timeout: a node may have all four to restart (a certificate renewal), one after the other.
  deadline=$(($(date +%s) + timeout))
  now_manifest=$(sums "$manifest")
  IFS=, read -r -a read_files <<<"$files"
  now_files=$(sums "${read_files[@]}")
  if [ "$mode" = roll ] && read -r was_manifest was_files was 2>/dev/null <"$state_dir/$name"; then
    if [ "$name" = etcd ] && [ -e "$apiserver_manifest" ] &&
      { [ "$now_manifest" != "$was_manifest" ] || [ "$now_files" != "$was_files" ]; }; then
      api=$(pid_of kube-apiserver) || api=""
      echo "[$phase] $node: kube-apiserver: stopped while etcd restarts"
      mv -f "$apiserver_manifest" "$parked"
      apiserver_parked=1
      while [ -n "$api" ] && kill -0 "$api" 2>/dev/null; do late && fail "kube-apiserver did not stop in ${timeout}s"; sleep 1; done
    fi
    if [ "$now_manifest" != "$was_manifest" ] || { [ "$name" = kube-apiserver ] && [ -n "$apiserver_parked" ]; }; then
      # The kubelet replaces the pod (or starts it again, once put back): a process other than the one of the last
      # gate, started after the manifest was written (a second of slack for the clocks' rounding), is the new pod's.
      echo "[$phase] $node: $name: waiting for the kubelet to start the pod on its new files"
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
      # As the kubelet stops a pod: SIGTERM, then SIGKILL after the grace period (an API server draining its
      # requests can take a minute), so the new process starts on the new files without waiting for the old one.
      kill "$pid"
      for _ in $(seq "$grace"); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
      ! kill -0 "$pid" 2>/dev/null || { echo "[$phase] $node: $name: still stopping after ${grace}s, killing it"; kill -KILL "$pid"; }
      until pid=$(pid_of "$name") && now=$(process "$pid") && [ "$now" != "$before" ]; do
        late && { journalctl -u kubelet --no-pager -n 20 >&2; fail "$name did not restart within ${timeout}s"; }
        sleep 1
      done
    fi
  fi
  until healthy "$health"; do late && fail "$name not healthy at $health after ${timeout}s"; sleep 1; done
  if [ "$name" = etcd ] && [ -n "$apiserver_parked" ]; then
    unpark
    echo "[$phase] $node: kube-apiserver: started again"
  fi
  pid=$(pid_of "$name") || fail "$name is not running"
  echo "$now_manifest $now_files $(process "$pid")" >"$state_dir/$name.next"
done <<END
$pods
END
deadline=$(($(date +%s) + timeout))
until healthy "$endpoint/readyz"; do late && fail "the API does not answer at $endpoint after ${timeout}s"; sleep 1; done
for next in "$state_dir"/*.next; do mv -f "$next" "${next%.next}"; done
echo "[$phase] $node: control plane healthy"
