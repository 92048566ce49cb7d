#!/bin/sh
# Run a command inside the cgroups named by LAB_CGROUPS (one directory per line, one per hierarchy): the shell
# moves itself into each, then becomes the command, so nothing the command starts runs outside them even for a
# moment.
set -eu
: "${LAB_CGROUPS:?}"
printf '%s\n' "$LAB_CGROUPS" | while IFS= read -r dir; do
  echo "$$" >"$dir/cgroup.procs"
done
exec "$@"
