"""Shell for stacked etcd membership: check-etcd, member add (as a learner) and promote, and removal.

Every script runs on the first control plane and talks to etcd's JSON gateway (`/v3/...`) on its local member
with curl and the etcd healthcheck-client certificate, as kubeadm's own etcd client does with its certificates.
Members are matched by peer URL (a learner that has not started yet has no name). Pure: values in, text out.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence

from components import constants as c
from components.pki.cert_specs import ETCD_CA, cert_path, key_path
from components.pki.kubeconfig_specs import ADMIN_CONF

_ADMIN = ADMIN_CONF
_CA, _CLIENT = cert_path(ETCD_CA), "etcd/healthcheck-client"

# Helpers every script starts with: the etcd API, the member list one JSON object per line, and field readers.
_HELPERS = f"""\
tls="--cacert {_CA} --cert {cert_path(_CLIENT)} --key {key_path(_CLIENT)}"
etcd() {{ body=${{2:-}}; [ -n "$body" ] || body='{{}}'; curl -sS --max-time 10 $tls -X POST "https://127.0.0.1:{c.ETCD_CLIENT_PORT}/v3/$1" -d "$body"; }}
members() {{ etcd cluster/member/list | tr -d ' \\n' | sed -e 's/.*"members":\\[//' -e 's/\\]}}[^]]*$//' -e 's/}},{{/}}\\n{{/g'; echo; }}
field() {{ sed -n "s/.*\\"$1\\":\\"\\([^\\"]*\\)\\".*/\\1/p"; }}
first_url() {{ sed -n "s/.*\\"$1\\":\\[\\"\\([^\\"]*\\)\\".*/\\1/p"; }}
healthy() {{ [ -n "$1" ] && curl -sS --max-time 5 $tls "$1/health" 2>/dev/null | grep -q '"health":"true"'; }}
"""


def check_etcd(node: str, peer_url: str) -> str:
    """check-etcd: before `node` joins, every other member is started and healthy."""
    return f"""\
set -e
{_HELPERS}
list=$(members)
[ -n "$list" ] || {{ echo "[check-etcd] the etcd cluster does not answer on the first control plane" >&2; exit 1; }}
echo "$list" | while read -r m; do
  [ -n "$m" ] || continue
  peer=$(echo "$m" | first_url peerURLs)
  [ "$peer" != {shlex.quote(peer_url)} ] || continue
  name=$(echo "$m" | field name)
  healthy "$(echo "$m" | first_url clientURLs)" || {{
    echo "[check-etcd] member ${{name:-(not started)}} at $peer is not healthy: {node} does not join an unhealthy etcd cluster" >&2
    exit 1
  }}
done
echo "[check-etcd] every etcd member is healthy"
"""


def add_learner(node: str, peer_url: str) -> str:
    """control-plane-join etcd: add `node` as a learner (once; a learner left by a failed run is reused) and print
    the --initial-cluster its etcd must start with: every member's name=peerURL."""
    return f"""\
set -e
{_HELPERS}
peer={shlex.quote(peer_url)}
if ! members | grep -q "\\"peerURLs\\":\\[\\"$peer\\""; then
  etcd cluster/member/add "{{\\"peerURLs\\":[\\"$peer\\"],\\"isLearner\\":true}}" | grep -q '"member"' \\
    || {{ echo "[control-plane-join] etcd refused to add {node} at $peer" >&2; exit 1; }}
fi
members | while read -r m; do
  [ -n "$m" ] || continue
  p=$(echo "$m" | first_url peerURLs); n=$(echo "$m" | field name)
  [ "$p" = "$peer" ] && n={shlex.quote(node)}
  printf '%s=%s\\n' "$n" "$p"
done | sort | paste -sd, -
"""


def promote(node: str, peer_url: str, timeout: int = 300) -> str:
    """control-plane-join etcd: once `node`'s learner has caught up with the leader, make it a voting member."""
    return f"""\
{_HELPERS}
peer={shlex.quote(peer_url)}
deadline=$(( $(date +%s) + {timeout} ))
while :; do
  m=$(members | grep "\\"peerURLs\\":\\[\\"$peer\\"") || {{ echo "[control-plane-join] {node} is not an etcd member" >&2; exit 1; }}
  echo "$m" | grep -q '"isLearner":true' || break
  answer=$(etcd cluster/member/promote "{{\\"ID\\":\\"$(echo "$m" | field ID)\\"}}" 2>&1) || true
  # Success lists the members; a learner that has not caught up yet gets an error (`code` and `message`).
  echo "$answer" | grep -q '"members"' && break
  [ "$(date +%s)" -lt "$deadline" ] || {{ echo "[control-plane-join] etcd on {node} did not catch up within {timeout}s: $answer" >&2; exit 1; }}
  sleep 2
done
echo "[control-plane-join] etcd: {node} is a voting member"
"""


def remove_members(
    wanted_peer_urls: Sequence[str], api_server: str, drain_timeout: int = c.DRAIN_TIMEOUT_SECONDS
) -> str:
    """Control planes that left the config: each is drained, its etcd member removed through the first control
    plane (unhealthy members first), and its Node deleted. A removal that would leave etcd without a healthy
    quorum is refused before anything is removed.

    kubectl talks to `api_server`, the first control plane's own API server, not to the endpoint: behind the
    endpoint, the API server of a member just removed still accepts connections but can no longer answer."""
    wanted = " ".join(wanted_peer_urls)
    return f"""\
set -e
{_HELPERS}
k() {{ kubectl --kubeconfig={_ADMIN} --server={api_server} --request-timeout=20s "$@"; }}
list=$(members)
[ -n "$list" ] || {{ echo "[etcd] the etcd cluster does not answer on the first control plane" >&2; exit 1; }}
total=0; up=0; gone=""
while read -r m; do
  [ -n "$m" ] || continue
  total=$((total + 1))
  peer=$(echo "$m" | first_url peerURLs); ok=0
  if healthy "$(echo "$m" | first_url clientURLs)"; then ok=1; up=$((up + 1)); fi
  case " {wanted} " in *" $peer "*) ;; *) gone="$gone $ok:$(echo "$m" | field ID):$(echo "$m" | field name)" ;; esac
done <<EOF
$list
EOF
# Unhealthy members go first: they do not count towards the quorum anyway.
gone=$(printf '%s\\n' $gone | sort | tr '\\n' ' ')
n=$total; h=$up
for entry in $gone; do
  ok=${{entry%%:*}}; name=${{entry##*:}}
  n=$((n - 1)); h=$((h - ok))
  if [ "$n" -gt 0 ] && [ "$h" -lt $((n / 2 + 1)) ]; then
    echo "[etcd] removing ${{name:-a member}} would leave $h of $n etcd members healthy, below quorum: nothing removed" >&2
    exit 1
  fi
done
for entry in $gone; do
  ok=${{entry%%:*}}; rest=${{entry#*:}}; id=${{rest%%:*}}; name=${{rest#*:}}
  if [ -n "$name" ] && [ -n "$(k get node "$name" -o name --ignore-not-found)" ]; then
    k cordon "$name" >/dev/null
    if [ "$ok" = 1 ]; then
      k drain "$name" --ignore-daemonsets --delete-emptydir-data --force --timeout={drain_timeout}s >/dev/null \\
        || {{ echo "[etcd] $name: drain did not finish within {drain_timeout}s; its member and Node stay (cordoned): rerun, or stop it to remove it undrained" >&2; exit 1; }}
    fi
  fi
  etcd cluster/member/remove "{{\\"ID\\":\\"$id\\"}}" | grep -q '"members"' || {{ echo "[etcd] could not remove member $name ($id)" >&2; exit 1; }}
  echo "[etcd] member ${{name:-$id}} removed"
  [ -z "$name" ] || k delete node "$name" --ignore-not-found --wait=false >/dev/null
  [ -z "$name" ] || echo "[remove] Node $name deleted"
done
echo "[etcd] members: $(members | field name | paste -sd' ' -)"
"""
