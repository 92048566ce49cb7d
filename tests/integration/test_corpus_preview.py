"""The configuration corpus through the real engine: `pulumi preview` on every stack file. A bad file fails
preview with its expected `field.path:` line, no traceback, and not one resource of the program registered; a
control previews cleanly. No lab needed: nothing may reach a host."""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml
from corpus import STACK, Case, cases, stack_document, write_keys
from stack import Stack, new_stack

CASES = cases()
# Each preview is mostly a Python start-up and the program's run: one per core.
PARALLEL = os.cpu_count() or 2


def registered(events: Path) -> list[str]:
    """The URNs of every resource the preview stepped through (the stack itself included)."""
    urns = []
    for line in events.read_text().splitlines():
        event = json.loads(line)
        pre = event.get("resourcePreEvent")
        if pre:
            urns.append(pre["metadata"]["urn"])
    return urns


Preview = tuple[int, str, list[str]]


@pytest.fixture(scope="module")
def previews(workspace: Path) -> dict[str, Preview]:
    """Every case previewed once: name -> (exit status, what the CLI printed, URNs stepped through)."""
    keys = write_keys(workspace)
    with ThreadPoolExecutor(PARALLEL) as pool:
        return dict(pool.map(lambda case: preview(case, workspace, keys), CASES))


def preview(case: Case, workspace: Path, keys: dict[str, str]) -> tuple[str, Preview]:
    where = workspace / case.name
    stack: Stack = new_stack(STACK, where / "project", where / "backend", workspace / "plugins")
    salt = yaml.safe_load(stack.config_file.read_text())["encryptionsalt"]
    document = stack_document(case, keys)
    document = {**document, "encryptionsalt": salt} if isinstance(document, dict) else {"encryptionsalt": salt}
    stack.config_file.write_text(yaml.safe_dump(document, sort_keys=False))
    events = where / "events.jsonl"
    stack.env["PULUMI_DEBUG_COMMANDS"] = "true"  # `--event-log` is one of the CLI's debug flags (3.260)
    result = stack.pulumi("preview", "--event-log", str(events), check=False, timeout=300)
    return case.name, (result.returncode, result.stdout + result.stderr, registered(events))


@pytest.mark.parametrize("case", [c for c in CASES if c.expect], ids=lambda c: c.name)
def test_preview_names_the_field_and_registers_nothing(case: Case, previews: dict[str, Preview]) -> None:
    status, output, urns = previews[case.name]
    assert status != 0, f"preview passed a bad stack:\n{output}"
    lines = [line.strip() for line in output.splitlines()]
    assert any(line.startswith(case.expect) for line in lines), f"no line starting {case.expect!r}:\n{output}"
    assert "Traceback" not in output, output
    program = [urn for urn in urns if not urn.endswith(f"::kubeadm-pulumi-{STACK}")]
    assert not program, f"resources registered before the error: {program}"
    assert urns, "the event log shows the stack itself, so an empty list would mean no events were read"


@pytest.mark.parametrize("case", [c for c in CASES if not c.expect], ids=lambda c: c.name)
def test_control_previews(case: Case, previews: dict[str, Preview]) -> None:
    status, output, urns = previews[case.name]
    assert status == 0, output
    program = [urn for urn in urns if "::kubeadm:" in urn]
    assert len(program) > 20, f"a control should plan the cluster's components, got: {program}"
