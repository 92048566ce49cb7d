address=10.213.0.12
port=22
user=root
key_file='/keys/lab key'
# A certificate check's read: read-certificates.sh (on stdin) run on the host.
# over_ssh: the script on stdin, run on a host from the machine running Pulumi with the stack's key, for what the
# command plugin cannot do (it reads no host on refresh, and it cannot let a host that is gone skip its reset).
: "${address:?}" "${port:?}" "${user:?}" "${key_file:?}"
# ServerAlive*: a host that vanishes mid-script is given up on within 15 s, not TCP's minutes.
over_ssh() {
  ssh -i "$key_file" -p "$port" -o BatchMode=yes -o ConnectTimeout=5 -o ServerAliveInterval=5 \
    -o ServerAliveCountMax=3 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
    "$user@$address" sh -s
}
over_ssh
