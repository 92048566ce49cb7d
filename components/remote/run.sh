#!/bin/bash
# shellcheck shell=bash
: "${step:?}" "${where:?}" "${bound:?}" "${entry:?}"
timeout -k 10 "$bound" bash -s "$entry" || {
  status=$?
  [ "$status" != 124 ] || echo "[$step] $where: gave up after ${bound}s, the step's bound on the host" >&2
  exit "$status"
}
