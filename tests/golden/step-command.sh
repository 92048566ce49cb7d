step=join-node-3
where='node-3 (10.213.0.13)'
bound=600
entry=kubeadm_pulumi_create
: "${step:?}" "${where:?}" "${bound:?}" "${entry:?}"
timeout -k 10 "$bound" bash -s "$entry" || {
  status=$?
  [ "$status" != 124 ] || echo "[$step] $where: gave up after ${bound}s, the step's bound on the host" >&2
  exit "$status"
}
