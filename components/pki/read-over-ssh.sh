#!/bin/bash
# A certificate check's read: read-certificates.sh (on stdin) run on the host.
# shellcheck source=../remote/over-ssh.sh
. ../remote/over-ssh.sh
over_ssh
