#!/bin/bash
# A worker's rolling change where kubeadm-pulumi manages the packages: drained, kubelet, kubeadm and kubectl brought
# to the cluster's version (the packages phase's script, in a subshell of its own), then the kubelet restarted on
# its files, healthy and its Node Ready.
packages() {
# shellcheck source=../node/packages.sh
. ../node/packages.sh
}
(packages) || exit 1
# shellcheck source=restart-kubelet.sh
. restart-kubelet.sh
