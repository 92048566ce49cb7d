#!/usr/bin/env bash
# Build the lab's Kubernetes pieces from the Go module proxy into a cache outside the repository.
#
#   lab/k8s/build.sh [UNIT|SET...]    build (or reuse) each unit; prints "UNIT DIR" per unit (DIR/bin holds the binaries)
#                                     SET is 1.37 (default) or 1.36: the Kubernetes minor plus its kubeadm-paired
#                                     etcd/CoreDNS/pause and the node runtime (containerd, runc, CNI plugins)
#   lab/k8s/build.sh --list           list the units
#   lab/k8s/build.sh --wrapper v1.X.Y (re)write the kubernetes-1.X wrapper for that release (pin bump / new minor)
#
# Units are the folders next to this script that hold a go.mod (kubernetes-1.37, kubernetes-1.36, etcd, etcd-3.6,
# coredns, coredns-1.14.2, containerd, runc, cni, flannel, flannel-cni, agnhost, e2e-1.37) plus "pause" (C, from the Kubernetes module's build/pause/linux/pause.c). The pin of a unit
# is its wrapper go.mod; an output directory is keyed by a hash of go.mod + go.sum + build flags + go (and cc)
# version, so a unit is rebuilt only when one of those changes. Each output dir holds bin/, version, BUILD.
#
# Environment: KUBEADM_PULUMI_CACHE (default ~/.cache/kubeadm-pulumi), GO_BUILD_P (go build -p, default 2),
# K8S_GIT_COMMIT (gitCommit stamp when the proxy's .info has no Origin.Hash).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${KUBEADM_PULUMI_CACHE:-$HOME/.cache/kubeadm-pulumi}/k8s
export GOTOOLCHAIN=local GOFLAGS=-mod=mod
jobs=${GO_BUILD_P:-2}
# Named sets: everything one Kubernetes minor needs (node runtime + the binaries behind kubeadm's images).
# runc is not in the sets: lab nodes use Debian's runc for now (see lab/kubernetes.py); `build.sh runc` builds it.
# flannel, flannel-cni and agnhost are the lab's CNI and workload images (the same for every minor).
set_1_37=(kubernetes-1.37 etcd coredns pause containerd cni flannel flannel-cni agnhost)
set_1_36=(kubernetes-1.36 etcd-3.6 coredns-1.14.2 pause containerd cni flannel flannel-cni agnhost)
default_units=("${set_1_37[@]}")

log() { printf '[k8s-build] %s\n' "$*" >&2; }
die() { printf '[k8s-build] error: %s\n' "$*" >&2; exit 1; }

# modver DIR MODULE: the version of MODULE selected in wrapper DIR.
modver() { (cd "$1" && go list -m -f '{{.Version}}' "$2"); }
moddir() { (cd "$1" && go list -m -f '{{.Dir}}' "$2"); }
# commit MODULE VERSION: the VCS commit behind a module version, when the proxy reports it (.Origin.Hash).
commit() { go mod download -json "$1@$2" | python3 -c 'import json,sys; print((json.load(sys.stdin).get("Origin") or {}).get("Hash",""))'; }
# modtime MODULE VERSION: the version's commit time (RFC 3339, UTC) from the proxy's .info.
modtime() { go mod download -json "$1@$2" >/dev/null; python3 - "$(go env GOMODCACHE)" "$1" "$2" <<'EOF'
import json, re, sys
cache, mod, ver = sys.argv[1:]
esc = re.sub(r'[A-Z]', lambda m: '!' + m.group(0).lower(), mod)
t = json.load(open(f'{cache}/cache/download/{esc}/@v/{ver}.info'))['Time']
print(t.replace('.000Z', 'Z') if t.endswith('.000Z') else t)
EOF
}

# Per-unit settings, filled by spec(): module (the pinned module), version, pkgs (package=output-name pairs),
# cgo (0/1), tags, ldflags.
spec() {
  local unit=$1 dir=$here/$1
  module='' version='' pkgs=() share=() cgo=0 tags='' ldflags='' extra_key='' pause_src=''
  case $unit in
    kubernetes-*)
      module=k8s.io/kubernetes
      version=$(modver "$dir" $module)
      local c=${K8S_GIT_COMMIT:-$(commit $module "$version")} major minor date
      major=${version#v}; major=${major%%.*}; minor=${version#v*.}; minor=${minor%%.*}
      date=$(modtime $module "$version")   # build date = release commit time: reproducible, cache-friendly
      local kv=(gitVersion="$version" gitMajor="$major" gitMinor="$minor" buildDate="$date")
      # "archive" is what hack/lib/version.sh reports for trees without .git (git archive / module zips).
      if [ -n "$c" ]; then kv+=(gitCommit="$c" gitTreeState=clean); else kv+=(gitCommit= gitTreeState=archive); fi
      for x in "${kv[@]}"; do
        ldflags+=" -X k8s.io/client-go/pkg/version.${x} -X k8s.io/component-base/version.${x}"
      done
      # upstream (hack/lib/golang.sh): tags selinux,notest,grpcnotrace; -trimpath; static (CGO_ENABLED=0)
      tags=selinux,notest,grpcnotrace
      for c in kube-apiserver kube-controller-manager kube-scheduler kube-proxy kubelet kubectl kubeadm; do
        pkgs+=("$module/cmd/$c=$c")
      done ;;
    e2e-*)
      # Kubernetes' own end-to-end suite at the cluster's release, the ginkgo runner its go.mod pins, and agnhost,
      # the image most e2e tests run. `test:` builds the test binary (go test -c), as hack/make-rules does.
      module=k8s.io/kubernetes
      version=$(modver "$dir" $module)
      local c=${K8S_GIT_COMMIT:-$(commit $module "$version")} x
      for x in gitVersion="$version" buildDate="$(modtime $module "$version")"; do
        ldflags+=" -X k8s.io/client-go/pkg/version.${x} -X k8s.io/component-base/version.${x}"
      done
      [ -z "$c" ] || ldflags+=" -X k8s.io/component-base/version.gitCommit=$c"
      tags=selinux
      pkgs=("test:$module/test/e2e=e2e.test" "github.com/onsi/ginkgo/v2/ginkgo=ginkgo") ;;
    agnhost)
      # The e2e suite's test image binary, at the release's test/images/agnhost/VERSION (the image tag e2e uses).
      module=k8s.io/kubernetes
      version=$(sed -n 1p "$(moddir "$dir" $module)/test/images/agnhost/VERSION")
      pkgs=("$module/test/images/agnhost=agnhost")
      # What its Dockerfile adds next to the binary: porter's TLS pair (served by e2e's proxy tests).
      share=(test/images/agnhost/porter/localhost.crt test/images/agnhost/porter/localhost.key) ;;
    flannel)
      module=github.com/flannel-io/flannel
      version=$(modver "$dir" $module)
      # cgo, static, as flannel's Makefile builds it: its udp backend is C.
      # netgo/osusergo: Go's own resolver and user lookup, since a static glibc cannot load NSS modules.
      cgo=1 tags=netgo,osusergo ldflags="-X $module/pkg/version.Version=$version -extldflags -static"
      extra_key=$(gcc --version | head -1)
      pkgs=("$module=flanneld" "$module/cmd/install_conf=install-conf") ;;
    flannel-cni)
      module=github.com/containernetworking/plugins
      version=$(modver "$dir" $module)
      ldflags="-X $module/pkg/utils/buildversion.BuildVersion=$version"
      pkgs=("$module/plugins/meta/flannel=flannel") ;;
    etcd|etcd-*)
      module=go.etcd.io/etcd/server/v3
      version=$(modver "$dir" $module)
      local c; c=$(commit $module "$version")
      [ -z "$c" ] || ldflags="-X go.etcd.io/etcd/api/v3/version.GitSHA=${c:0:10}"
      pkgs=("go.etcd.io/etcd/server/v3=etcd") ;;   # go build would call it "server"
    containerd)
      module=github.com/containerd/containerd/v2
      version=$(modver "$dir" $module)
      local c; c=$(commit $module "$version")
      ldflags="-X $module/version.Version=$version -X $module/version.Package=$module -X $module/version.Revision=${c:-$version}"
      # no_btrfs: the btrfs snapshotter needs cgo + libbtrfs; the lab uses overlayfs / native.
      tags=no_btrfs,osusergo,netgo
      pkgs=("$module/cmd/containerd=containerd" "$module/cmd/containerd-shim-runc-v2=containerd-shim-runc-v2" "$module/cmd/ctr=ctr") ;;
    runc)
      module=github.com/opencontainers/runc
      version=$(modver "$dir" $module)
      local c; c=$(commit $module "$version")
      # runc needs cgo (libcontainer/nsenter is C). seccomp: static libseccomp from libseccomp-dev when present,
      # else built without seccomp support (then pods with a seccomp profile fail to start).
      cgo=1 tags=urfave_cli_no_docs,netgo,osusergo
      ldflags="-X main.version=${version#v} -X main.gitCommit=${c:-unknown} -extldflags -static"
      if [ -f /usr/include/seccomp.h ] && [ -f /usr/lib/x86_64-linux-gnu/libseccomp.a ]; then tags+=,seccomp; fi
      extra_key=$(gcc --version | head -1; dpkg-query -W libseccomp-dev 2>/dev/null || true)
      pkgs=("$module=runc") ;;
    cni)
      module=github.com/containernetworking/plugins
      version=$(modver "$dir" $module)
      ldflags="-X $module/pkg/utils/buildversion.BuildVersion=$version"
      for p in main/bridge ipam/host-local main/loopback meta/portmap; do pkgs+=("$module/plugins/$p=${p#*/}"); done ;;
    coredns|coredns-*)
      module=github.com/coredns/coredns
      version=$(modver "$dir" $module)
      local c; c=$(commit $module "$version")
      [ -z "$c" ] || ldflags="-X $module/coremain.GitCommit=${c:0:7}"
      pkgs=("$module=coredns") ;;
    pause)
      # kubeadm's pause tag (constants.PauseVersion) of the newest Kubernetes wrapper; pause.c from that module.
      module=k8s.io/kubernetes dir=$here/kubernetes-1.37
      pause_src=$(moddir "$dir" $module)
      version=$(sed -n 's/^[[:space:]]*PauseVersion = "\(.*\)"/\1/p' "$pause_src/cmd/kubeadm/app/constants/constants.go")
      [ -n "$version" ] || die "no PauseVersion in $pause_src"
      extra_key=$(gcc --version | head -1; echo "$pause_src")
      pkgs=("build/pause/linux/pause.c=pause") ;;
    *) die "unknown unit $unit (see --list)" ;;
  esac
  unit_dir=$dir
}

build_unit() {
  local unit=$1
  spec "$unit"
  local key out tmp pair pkg name start
  key=$( (cat "$unit_dir/go.mod" "$unit_dir/go.sum"; echo "$unit $cgo $tags $ldflags ${pkgs[*]} ${share[*]}"; echo "$extra_key"; go version) \
    | sha256sum | cut -c1-16)
  out=$cache/$unit-$version-$key
  if [ -f "$out/.done" ]; then
    log "$unit $version: cached in $out"
  else
    log "building $unit $version into $out"
    mkdir -p "$cache"
    tmp=$(mktemp -d "$cache/.build-$unit.XXXXXX")
    mkdir -p "$tmp/bin"
    start=$(date +%s)
    if [ "$unit" = pause ]; then
      # As build/pause/Makefile: gcc -Os -Wall -Werror -static -DVERSION=... pause.c
      local src=$pause_src/build/pause/linux/pause.c
      [ -f "$src" ] || die "$src missing from the $module module zip"
      gcc -Os -Wall -Werror -static -DVERSION="v$version-kubeadm-pulumi" -o "$tmp/bin/pause" "$src"
      strip "$tmp/bin/pause"
    else
      local args=(build -p "$jobs" -trimpath -ldflags "-s -w $ldflags")
      [ -z "$tags" ] || args+=(-tags "$tags")
      for pair in "${pkgs[@]}"; do
        pkg=${pair%%=*} name=${pair##*=}
        if [ "${pkg#test:}" != "$pkg" ]; then
          (cd "$unit_dir" && CGO_ENABLED=$cgo go test -c "${args[@]:1}" -o "$tmp/bin/$name" "${pkg#test:}")
        else
          (cd "$unit_dir" && CGO_ENABLED=$cgo go "${args[@]}" -o "$tmp/bin/$name" "$pkg")
        fi
      done
    fi
    if [ ${#share[@]} -gt 0 ]; then
      local src; src=$(moddir "$unit_dir" "$module")
      mkdir -p "$tmp/share" && for f in "${share[@]}"; do cp "$src/$f" "$tmp/share/"; done
    fi
    printf '%s %s built in %ss with %s\n' "$unit" "$version" "$(( $(date +%s) - start ))" "$(go version)" > "$tmp/BUILD"
    echo "$version" > "$tmp/version"
    touch "$tmp/.done"
    rm -rf "$out" && mv "$tmp" "$out"
  fi
  printf '%s %s\n' "$unit" "$out"
}

# kubernetes_wrapper VERSION: (re)write kubernetes-X.Y/go.mod for k8s.io/kubernetes VERSION (replace block taken
# from that release's own go.mod: every ./staging replace becomes the matching v0.X.Y tag) and tidy it.
kubernetes_wrapper() {
  local v=$1 gomod minor d
  [[ $v =~ ^v1\.([0-9]+)\.[0-9]+$ ]] || die "want a release like v1.37.2, got $v"
  minor=${BASH_REMATCH[1]} d=$here/kubernetes-1.$minor
  gomod=$(go mod download -json "k8s.io/kubernetes@$v" | python3 -c 'import json,sys; print(json.load(sys.stdin)["GoMod"])')
  mkdir -p "$d"
  {
    echo "// Wrapper module: builds the Kubernetes $v commands from the Go module proxy (written by build.sh --wrapper)."
    echo "// The replace block maps every staging module (required upstream as v0.0.0 with ./staging replaces) to its tag."
    echo "module example.invalid/kubeadm-pulumi/k8s-1.$minor"; echo
    echo "go 1.26.0"; echo; echo "godebug default=go1.26"; echo
    echo "require k8s.io/kubernetes $v"; echo; echo "replace ("
    sed -n '/^replace (/,/^)/p' "$gomod" | awk -v sv="v0.${v#v1.}" '/=> \.\/staging/ {printf "\t%s => %s %s\n", $1, $1, sv}'
    echo ")"; echo; echo "tool ("
    printf '\tk8s.io/kubernetes/cmd/%s\n' kube-apiserver kube-controller-manager kube-scheduler kube-proxy kubelet kubectl kubeadm
    echo ")"
  } > "$d/go.mod"
  rm -f "$d/go.sum"
  (cd "$d" && go mod tidy)
  log "wrote $d/go.mod and go.sum"
}

main() {
  command -v go >/dev/null || die "Go (1.26 or newer) is required"
  if [ "${1:-}" = --wrapper ]; then kubernetes_wrapper "${2:?usage: build.sh --wrapper v1.X.Y}"; return; fi
  if [ "${1:-}" = --list ]; then
    (cd "$here" && for d in */; do d=${d%/}; [ -f "$d/go.mod" ] && echo "$d"; done; echo pause); return
  fi
  local units=("$@"); [ ${#units[@]} -gt 0 ] || units=("${default_units[@]}")
  local expanded=()
  for u in "${units[@]}"; do
    case $u in
      1.37) expanded+=("${set_1_37[@]}") ;;
      1.36) expanded+=("${set_1_36[@]}") ;;
      *) expanded+=("$u") ;;
    esac
  done
  for u in "${expanded[@]}"; do build_unit "$u"; done
}

main "$@"
