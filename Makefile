# kubeadm-pulumi: `make lab` brings up the lab and the cluster on it, `make test` runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := help

CACHE ?= $(or $(KUBEADM_PULUMI_CACHE),$(HOME)/.cache/kubeadm-pulumi)
NODES ?= 2
STACK ?= lab
PY := $(CURDIR)/.venv/bin/python
KUBELET_SCHEMA := components/config/schemas/kubelet-config-v1beta1.json

# The lab is local and air-gapped: a file backend, a passphrase secrets provider, no update checks, no plugin
# downloads. Real sites set their own backend and passphrase; these apply only to what this Makefile runs.
export KUBEADM_PULUMI_CACHE := $(CACHE)
export PULUMI_BACKEND_URL ?= file://$(CACHE)/backend
export PULUMI_CONFIG_PASSPHRASE ?= kubeadm-pulumi-lab
export PULUMI_SKIP_UPDATE_CHECK := true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION := true
export PATH := $(CURDIR)/.venv/bin:$(PATH)

.PHONY: help setup lab lab-up lab-down lab-status test unit integration upgrade-check lint bench schemas conformance

help:
	@echo "make lab        set up everything, boot $(NODES) lab hosts, pulumi up the '$(STACK)' stack"
	@echo "make test       all tests (unit + integration against a separate test lab)"
	@echo "make lab-down   pulumi destroy, then remove the lab hosts"
	@echo "make setup      only the virtualenv and the Pulumi toolchain"
	@echo "make upgrade-check FROM=<rev>  stacks made by <rev> stay unchanged under this tree (EXPECT=changes: harmless); not in make test"
	@echo "make schemas    regenerate components/config/schemas from the pinned Kubernetes types (tools/configschema)"
	@echo "make conformance  Kubernetes' e2e [Conformance] tests (sig-network/node/apps) on the '$(STACK)' stack (FOCUS=, SKIP=, PROCS=); not in make test"
	@echo "make bench      benchmarks against real kubeadm (RUNS=3 ONLY=P1,P2,P3,P4,P5); not part of make test"

setup:
	@bash lab/toolchain/setup.sh
	@mkdir -p $(CACHE)/backend

lab-up: setup
	$(PY) -m lab up --nodes $(NODES) --name $(STACK)

lab: lab-up
	pulumi stack select $(STACK) 2>/dev/null || pulumi stack init $(STACK) --secrets-provider passphrase
	pulumi up --stack $(STACK) --yes

lab-status:
	$(PY) -m lab status --name $(STACK)

lab-down:
	@if pulumi stack select $(STACK) 2>/dev/null; then pulumi destroy --stack $(STACK) --yes; fi
	$(PY) -m lab down --name $(STACK)

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

unit: setup
	$(PY) -m pytest tests/unit

integration: setup
	$(PY) -m pytest tests/integration --ignore=tests/integration/test_upgrade.py

# A change meant to leave running clusters alone: stacks made by FROM stay unchanged under this tree (not in `test`);
# EXPECT=changes for a change meant to be visible: its first up restarts no control-plane pod and converges.
upgrade-check: setup
	KUBEADM_PULUMI_UPGRADE_FROM=$(FROM) KUBEADM_PULUMI_UPGRADE_EXPECT=$(or $(EXPECT),none) \
		$(PY) -m pytest tests/integration/test_upgrade.py -s

test: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy components lab bench conformance --exclude 'lab/k8s/'
	cd lab/toolchain/pulumi-resource-command && GOTOOLCHAIN=local go test ./...
	@# The committed schema is what the pinned Kubernetes types say (after a bump: make schemas).
	cd tools/configschema && GOTOOLCHAIN=local go run . > $(CACHE)/kubelet-schema.json
	@cmp -s $(CACHE)/kubelet-schema.json $(KUBELET_SCHEMA) || { echo "$(KUBELET_SCHEMA) is stale: make schemas"; exit 1; }
	$(PY) -m pytest tests --ignore=tests/integration/test_upgrade.py

schemas: setup
	cd tools/configschema && GOTOOLCHAIN=local go run . > ../../$(KUBELET_SCHEMA)

# Benchmarks against real kubeadm on fresh lab nodes (issue 6); never part of `make test`.
# `make bench RUNS=1 ONLY=P1,P4` for a quick look.
RUNS ?= 3
ONLY ?= P1,P2,P3,P4,P5

bench: setup
	$(PY) bench/run.py --project $(CURDIR) --runs $(RUNS) --only $(ONLY)

# Kubernetes' own e2e suite against the `lab` stack's cluster (issue 12); never part of `make test` (about an hour).
# FOCUS/SKIP are ginkgo regular expressions (defaults in conformance/run.py); results under conformance/results/.
conformance: setup
	$(PY) conformance/run.py --stack $(STACK) $(if $(FOCUS),--focus '$(FOCUS)') $(if $(SKIP),--skip '$(SKIP)') \
		$(if $(PROCS),--procs $(PROCS))
