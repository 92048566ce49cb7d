"""Every case of the configuration corpus, read the way the program reads a stack (config.load): each bad file
reports its expected problem line, every problem of a file in one error; the controls load cleanly.
The real-CLI twin (tests/integration/test_corpus_preview.py) runs `pulumi preview` on each file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from corpus import STACK, Case, cases, engine_settings, stack_document, write_keys

from components import config

PROJECT = "kubeadm-pulumi"
CASES = cases()


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return write_keys(tmp_path_factory.mktemp("keys"))


def load(case: Case, keys: dict[str, str], tmp_path: Path) -> config.ClusterConfig:
    document = stack_document(case, keys)
    stack_file = tmp_path / f"Pulumi.{STACK}.yaml"
    stack_file.write_text(yaml.safe_dump(document))
    return config.load(engine_settings(document, PROJECT), PROJECT, stack_file)


@pytest.mark.parametrize("case", [c for c in CASES if c.expect], ids=lambda c: c.name)
def test_bad_stack_reports_its_field(case: Case, keys: dict[str, str], tmp_path: Path) -> None:
    with pytest.raises(config.ConfigError) as raised:
        load(case, keys, tmp_path)
    problems = raised.value.problems
    assert any(p.startswith(case.expect) for p in problems), f"expected a line starting {case.expect!r}: {problems}"
    assert len(problems) == len(set(problems)), f"a problem reported twice: {problems}"
    for secret in ("PRIVATE KEY", "BEGIN OPENSSH"):
        assert secret not in str(raised.value)


@pytest.mark.parametrize("case", [c for c in CASES if not c.expect], ids=lambda c: c.name)
def test_control_stack_loads(case: Case, keys: dict[str, str], tmp_path: Path) -> None:
    loaded = load(case, keys, tmp_path)
    assert loaded.control_planes, "a control stack has control planes"


def test_corpus_covers_every_mistake_class() -> None:
    """At least 60 bad files, and every class the issue names has a case."""
    bad = {c.name for c in CASES if c.expect}
    assert len(bad) >= 60, len(bad)
    classes = {
        "bracketed text is a string": {"cluster-name-braces", "cluster-name-bracket-list-text"},
        "bracketed IPv6 endpoint": {"ok-ipv6-endpoint-in-brackets"},
        "number where a list is meant": {"workers-a-number"},
        "unreadable or non-text key file": {"ssh-key-a-directory", "ssh-key-binary", "ssh-key-missing"},
        "unsupported version": {"version-unsupported"},
        "map where a list is meant": {"workers-a-map", "taints-a-map"},
        "settings outside config:": {"settings-outside-config", "no-config-mapping"},
        "namespace typo / missing": {"namespace-typo", "namespace-missing", "namespace-capitalised"},
        "endpoint empty port / impossible IPv4": {"endpoint-empty-port", "endpoint-impossible-ipv4"},
        "image repository with a scheme": {"image-repository-scheme"},
        "pod subnet smaller than a node's range": {"pod-subnet-smaller-than-node-range"},
        "extra-args lists and maps": {"extra-args-list-value", "extra-args-map-value"},
        "certSANs neither IP nor DNS": {"cert-sans-not-a-name", "cert-sans-impossible-ipv4"},
        "readOnly as a string": {"volume-read-only-string"},
        "unknown pathType": {"volume-unknown-path-type"},
        "kubeletConfiguration fields and types": {"kubelet-unknown-field", "kubelet-field-wrong-type"},
        "duplicate taints": {"duplicate-taints"},
        "all beside named checks": {"ignore-all-with-names"},
        "public, empty or non-key file": {"ssh-key-public", "ssh-key-empty", "ssh-key-not-a-key"},
        "encrypted key": {"ssh-key-encrypted"},
        "unknown kubeadm: key": {"unknown-key-typo"},
    }
    names = {c.name for c in CASES}
    missing = {what: sorted(want - names) for what, want in classes.items() if not want <= names}
    assert not missing, missing


def test_problems_of_one_file_come_together(keys: dict[str, str], tmp_path: Path) -> None:
    """Three mistakes in one stack: three lines in one error, not the first one alone."""
    text = (
        "# expect: several\nconfig:\n  kubeadm:ssh: {privateKeyFile: ${PUBLIC_KEY}}\n"
        "  kubeadm:clusterName: Prod\n  kubeadm:controlPlanes:\n  - {name: node-1, address: node-1}\n"
    )
    with pytest.raises(config.ConfigError) as raised:
        load(Case("several", "several", text), keys, tmp_path)
    heads = sorted(p.split(":")[0] for p in raised.value.problems)
    assert heads == ["clusterName", "controlPlanes[0].address", "ssh.privateKeyFile"], raised.value.problems


# Values of every kind (and strings that look like other kinds) to put where another kind belongs.
ODD_VALUES = ("", "[lab]", "{lab}", "[fd00::1]:6443", "null", 0, -1, 2**70, 1.5, True, None, [], [1], {}, {"a": [1]})


def paths(value: object, prefix: tuple = ()) -> list[tuple]:
    """Every place in a YAML document: a path of keys and indexes to each value, containers included."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


def replaced(document: object, path: tuple, value: object) -> object:
    copy = json.loads(json.dumps(document))
    target = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return copy


def test_no_input_crashes_the_parser(keys: dict[str, str], tmp_path: Path) -> None:
    """Any value of any kind in any place of the fullest control: either a valid config or a ConfigError with
    `field: ...` lines, never another exception (a traceback at preview)."""
    control = next(c for c in CASES if c.name == "ok-everything")
    document = stack_document(control, keys)
    stack_file = tmp_path / f"Pulumi.{STACK}.yaml"
    stack_file.write_text(yaml.safe_dump(document))
    tried = 0
    for path in paths(document["config"]):
        for value in ODD_VALUES:
            settings = engine_settings({"config": replaced(document["config"], path, value)}, PROJECT)
            tried += 1
            try:
                config.load(settings, PROJECT, stack_file)
            except config.ConfigError as error:
                assert error.problems and all(": " in p for p in error.problems), (path, value, error.problems)
            except Exception as error:  # the point: nothing else may escape
                pytest.fail(f"{'.'.join(map(str, path))} = {value!r}: {type(error).__name__}: {error}")
    assert tried > 500, tried
