#!/bin/bash
# kubelet-finalize: point kubelet.conf at the kubelet's rotated client certificate, as kubeadm does.
: "${node:?}" "${user:?}" "${timeout:?}" "${kubelet_conf:?}" "${current:?}"
phase=kubelet-finalize
# shellcheck source=../remote/wait.sh
. ../remote/wait.sh
until [ -e "$current" ]; do late && fail "no $current after ${timeout}s"; sleep 2; done
kc() { kubectl config --kubeconfig="$kubelet_conf" "$@" >/dev/null; }
kc set-credentials "$user" --client-certificate="$current" --client-key="$current"
kc unset "users.$user.client-certificate-data"
kc unset "users.$user.client-key-data"
echo "[$phase] kubelet.conf uses $current"
