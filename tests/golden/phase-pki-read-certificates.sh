paths='/etc/kubernetes/pki/ca.crt /etc/kubernetes/admin.conf'
# What the host holds at each path of a certificate check, one line per path: "<path> <the PEM certificate in
# base64>", or "<path> -" when it holds none. From a kubeconfig only its client-certificate-data (public) is read:
# the key beside it never leaves the host.
: "${paths:?}"
for path in $paths; do
  case "$path" in
    *.conf) data=$(sed -n 's/^ *client-certificate-data: *//p' "$path" 2>/dev/null | head -n 1) ;;
    *) data=$(base64 -w 0 "$path" 2>/dev/null) ;;
  esac
  echo "$path ${data:--}"
done
