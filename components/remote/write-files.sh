#!/bin/bash
# The files of one batch, from stdin: for each a line "<mode> <size> <path>", then exactly <size> bytes of content.
# Each is written under a hidden name beside it (the kubelet reads every other file of the manifests directory as a
# static pod, a half-written one included), never readable by others before its chmod, then moved into place; one
# whose content and mode the host already holds is left alone, so an unchanged manifest or certificate is not
# touched. Directories are made as kubeadm makes them (0755). Prints the paths it wrote, never a content.
: "${where:?}"
set -e
while read -r mode size path; do
  [ -n "$path" ] || continue
  dir=$(dirname -- "$path")
  tmp="$dir/.$(basename -- "$path").tmp"
  (umask 022 && mkdir -p -- "$dir")
  (umask 077 && head -c "$size" >"$tmp")
  if [ "$(wc -c <"$tmp")" -ne "$size" ]; then
    rm -f -- "$tmp"
    echo "[files] $where: $path: the input ended early" >&2
    exit 1
  fi
  if [ -f "$path" ] && [ "$(stat -c %a -- "$path")" = "${mode#0}" ] && cmp -s -- "$tmp" "$path"; then
    rm -f -- "$tmp"
    continue
  fi
  chmod "$mode" -- "$tmp"
  mv -f -- "$tmp" "$path"
  echo "[files] $where: wrote $path"
done
