#!/usr/bin/env bash
# `make setup`: the Python virtualenv with the pinned packages, and the Pulumi engine pieces the program needs
# (CLI, Python language host with its exec script, command provider), linked into .venv/bin.
#
# Engine pieces come from PATH when the user already has them at the pinned version; otherwise they are built
# with Go from the Go module proxy into a cache outside the repository, keyed by the wrapper's go.mod/go.sum,
# the build flags and the Go version, so a second run (or CI on the same machine) only links them.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
toolchain=$root/lab/toolchain
cache=${KUBEADM_PULUMI_CACHE:-$HOME/.cache/kubeadm-pulumi}/toolchain
venv=$root/.venv
export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0

# Pins. The CLI and the language host are pinned separately because the proxy does not serve the host's own
# module (see lab/toolchain/README.md); the PyPI SDK in requirements.txt matches the host.
pulumi_version=3.260.0
host_version=3.79.0
command_version=1.0.1

log() { printf '[setup] %s\n' "$*" >&2; }
die() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }

python_venv() {
  local python=${PYTHON:-python3}
  "$python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
    || die "$python is $("$python" --version 2>&1); Python 3.11 is required (set PYTHON=/path/to/python3.11)"
  [ -x "$venv/bin/python" ] || { log "creating $venv"; "$python" -m venv "$venv"; }
  local stamp=$venv/.requirements.sha256 want
  want=$(cat "$root/requirements.txt" "$root/requirements-dev.txt" | sha256sum | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    log "installing Python requirements"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
      -r "$root/requirements.txt" -r "$root/requirements-dev.txt"
    echo "$want" > "$stamp"
  fi
}

# on_path NAME [VERSION-REGEX VERSION-ARGS...]: print the binary NAME found on PATH outside our venv, if any (and
# only if its version output matches, when a regex is given).
on_path() {
  local name=$1 found
  found=$(PATH=$(printf '%s' "$PATH" | tr ':' '\n' | grep -vxF "$venv/bin" | paste -sd:) command -v "$name" || true)
  [ -n "$found" ] || return 0
  if [ $# -gt 1 ]; then
    local want=$2; shift 2
    "$found" "$@" 2>/dev/null | grep -qE "$want" || return 0
  fi
  printf '%s\n' "$found"
}

# build NAME WRAPPER-DIR PACKAGE LDFLAGS: build PACKAGE from WRAPPER-DIR into the cache; print the binary path.
build() {
  local name=$1 dir=$2 pkg=$3 ldflags=$4 key out tmp
  key=$( (cat "$dir/go.mod" "$dir/go.sum"; find "$dir" -maxdepth 1 -name '*.go' -exec cat {} +; echo "$ldflags"; go version) \
    | sha256sum | cut -c1-16)
  out=$cache/$name-$key
  if [ ! -x "$out/$name" ]; then
    log "building $name (cache $out; several minutes on a cold cache)"
    tmp=$(mktemp -d "$cache/.build-$name.XXXXXX") && chmod 0755 "$tmp"
    (cd "$dir" && go build -p 2 -trimpath -tags osusergo,grpcnotrace -ldflags "-s -w $ldflags" -o "$tmp/$name" "$pkg")
    rm -rf "$out" && mv "$tmp" "$out"
  fi
  printf '%s\n' "$out/$name"
}

link() { ln -sfn "$1" "$venv/bin/$2"; log "$2 -> $1"; }

# Debian's shellcheck checks every host script in `make test`.
host_packages() {
  command -v shellcheck >/dev/null && return 0
  [ "$(id -u)" = 0 ] || die "shellcheck is missing: install Debian's package (apt-get install shellcheck)"
  log "installing shellcheck (Debian's package)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q shellcheck >/dev/null 2>&1 ||
    { DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q shellcheck >/dev/null; } ||
    die "apt-get install shellcheck failed"
}

main() {
  command -v go >/dev/null || die "Go is required to build the Pulumi toolchain (go 1.26 or newer)"
  mkdir -p "$cache"
  python_venv
  host_packages

  local version_var=github.com/pulumi/pulumi/sdk/v3/go/common/version.Version cli lang provider
  cli=$(on_path pulumi "^v$pulumi_version\$" version)
  [ -n "$cli" ] || cli=$(build pulumi "$toolchain/pulumi-cli" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
    "-X $version_var=v$pulumi_version")

  lang=$(on_path pulumi-language-python "^v$host_version\$" -version)
  if [ -z "$lang" ]; then
    lang=$(build pulumi-language-python "$toolchain/pulumi-language-python" \
      github.com/pulumi/pulumi/sdk/v3/python/cmd/pulumi-language-python "-X $version_var=v$host_version")
    # The host runs the exec script that sits next to its real binary (not next to a symlink to it).
    local sdk
    sdk=$(cd "$toolchain/pulumi-language-python" && go mod download -json github.com/pulumi/pulumi/sdk/v3 \
      | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
    [ -d "$sdk" ] || die "could not locate the github.com/pulumi/pulumi/sdk/v3 module (go mod download failed)"
    install -m 0755 "$sdk/python/cmd/pulumi-language-python-exec" "$(dirname "$lang")/"
    # Python dynamic providers (used for keys and certificates) run through this shim, also from the SDK module.
    install -m 0755 "$sdk/python/dist/pulumi-resource-pulumi-python" "$(dirname "$lang")/"
  fi

  # The CLI looks for its language host next to its own (resolved) executable; a CLI we built gets ours there.
  # A CLI from PATH finds ours through the venv's bin, which comes first on PATH.
  case "$cli" in
    "$cache"/*)
      for plugin in pulumi-language-python pulumi-resource-pulumi-python; do
        ln -sfn "$(dirname "$lang")/$plugin" "$(dirname "$cli")/$plugin"
        rm -f "$venv/bin/$plugin"
      done ;;
    *) link "$lang" pulumi-language-python; link "$(dirname "$lang")/pulumi-resource-pulumi-python" pulumi-resource-pulumi-python ;;
  esac
  link "$cli" pulumi
  rm -f "$venv/bin/pulumi-resource-command"

  # The provider goes into the plugin cache under the version the SDK asks for, where `pulumi plugin install`
  # would put the real one; a real provider already installed there is left alone.
  local plugins=${PULUMI_HOME:-$HOME/.pulumi}/plugins/resource-command-v$command_version
  if [ ! -e "$plugins/pulumi-resource-command" ] || [ -e "$plugins/.kubeadm-pulumi" ]; then
    provider=$(build pulumi-resource-command "$toolchain/pulumi-resource-command" . "-X main.version=$command_version")
    if ! cmp -s "$provider" "$plugins/pulumi-resource-command"; then
      "$cli" plugin install resource command "v$command_version" --file "$provider" --reinstall >/dev/null
      echo "built by kubeadm-pulumi's make setup from lab/toolchain/pulumi-resource-command" > "$plugins/.kubeadm-pulumi"
      log "installed pulumi-resource-command v$command_version into $plugins"
    fi
  fi
  "$venv/bin/pulumi" version >/dev/null || die "the pulumi CLI at $cli does not run"
  log "ready: $("$venv/bin/pulumi" version), language host v$host_version, command provider $command_version"
}

main "$@"
