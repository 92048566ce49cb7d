#!/bin/bash
# kubeadm token create for one join: a fresh token Secret (the manifest, with @id@, @secret@ and @expiration@ for what
# the host picks), printed as <id>.<secret> on stdout only. Tokens an earlier, unfinished join of the same node left
# behind are deleted first (by their label).
: "${admin_conf:?}" "${namespace:?}" "${label:?}" "${alphabet:?}" "${ttl_minutes:?}" "${manifest:?}"
set -e
# shellcheck source=../remote/kubectl.sh
. ../remote/kubectl.sh
k -n "$namespace" delete secret -l "$label" --ignore-not-found >/dev/null
pick() { tr -dc "$alphabet" </dev/urandom | head -c "$1"; }
id=$(pick 6)
secret=$(pick 16)
expiration=$(date -u -d "+$ttl_minutes minutes" +%Y-%m-%dT%H:%M:%SZ)
# Filled in by the shell itself: the secret never appears in a command line (ps) on the host.
filled=${manifest//@id@/$id}
filled=${filled//@secret@/$secret}
printf '%s\n' "${filled//@expiration@/$expiration}" | k create -f - >/dev/null
printf '%s.%s' "$id" "$secret"
