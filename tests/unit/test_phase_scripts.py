"""The host scripts of kubeadm's phases: valid shell, golden text, and the behaviour that can run here."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import time

import pytest

from components.config import Taint
from components.join import scripts as join_scripts
from components.node import scripts as node_scripts
from components.phases import scripts as phase_scripts
from components.phases import upload_certs
from components.pki import scripts as pki_scripts
from components.pki.kubeconfig_specs import ADMIN_CONF
from components.rollout import scripts as rollout_scripts

ROLLOUT_PODS = [
    (
        "kube-scheduler",
        "/etc/kubernetes/manifests/kube-scheduler.yaml",
        "https://127.0.0.1:10259/readyz",
        ["/etc/kubernetes/scheduler.conf"],
    ),
]
SCRIPTS = {
    "kubelet-start": node_scripts.kubelet_start(),
    "packages": node_scripts.packages("node-1", "http://10.213.0.1/core:/stable:/v1.37/deb/", "", "v1.37.2"),
    "reset-cleanup": node_scripts.reset_cleanup("node-1"),
    "wait-control-plane": phase_scripts.wait_control_plane("node-1", "10.213.0.11"),
    "apply": phase_scripts.apply("addons"),
    "mark-control-plane": phase_scripts.mark_control_plane(
        "node-1", {"node-role.kubernetes.io/control-plane": ""}, ["node-role.kubernetes.io/control-plane:NoSchedule"]
    ),
    "kubelet-finalize": phase_scripts.kubelet_finalize("system:node:node-1", "node-1"),
    "reset-over-ssh": node_scripts.reset_over_ssh("node-2", "10.213.0.12", 22, "root", "/keys/lab key"),
    "join-token": join_scripts.mint_token("node-2"),
    "join-token-delete": join_scripts.delete_token(),
    "join-token-delete-node": join_scripts.delete_node_tokens("node-2"),
    "join-worker": join_scripts.join_worker("node-2", "10.213.0.11:6443", "sha256:" + "ab" * 32, "urn:x"),
    "join-mark": join_scripts.mark_worker(
        "node-2", (("tier", "web"),), (Taint(key="dedicated", value="web", effect="NoSchedule"),)
    ),
    "join-remove-node": join_scripts.remove_node("node-2", "10.213.0.12"),
    "upload-certs": upload_certs.upload_script(ADMIN_CONF),
    "upload-certs-delete": upload_certs.delete_script(ADMIN_CONF),
    "delete": phase_scripts.delete("addons", "YQ=="),
    "rollout-control-plane-roll": rollout_scripts.control_plane(
        "node-1", "roll", ROLLOUT_PODS, "https://10.0.0.10:6443"
    ),
    "rollout-drain-worker": rollout_scripts.drain_worker("node-2"),
    "rollout-restart-kubelet": rollout_scripts.restart_kubelet("node-2"),
    "rollout-upgrade-worker": rollout_scripts.upgrade_worker(
        "node-2", node_scripts.packages_params("node-2", "http://10.213.0.1/core:/stable:/v1.37/deb/", "", "v1.37.2")
    ),
    "rollout-uncordon-worker": rollout_scripts.uncordon_worker("node-2"),
    "pki-read-over-ssh": pki_scripts.read_over_ssh("10.213.0.12", 22, "root", "/keys/lab key"),
    "pki-read-certificates": pki_scripts.read_certificates(["/etc/kubernetes/pki/ca.crt", ADMIN_CONF]),
}


@pytest.mark.parametrize("name", sorted(SCRIPTS), ids=sorted(SCRIPTS))
def test_script_is_valid_shell_and_matches_golden(name: str, golden) -> None:
    assert subprocess.run(["bash", "-n"], input=SCRIPTS[name], text=True).returncode == 0
    golden(f"phase-{name}.sh", SCRIPTS[name])


def test_wait_control_plane_times_out_naming_the_host_and_component() -> None:
    # No kubelet listens here, so the very first wait fails once its (zero) budget is spent.
    result = subprocess.run(
        ["bash"],
        input=phase_scripts.wait_control_plane("node-9", "127.0.0.1", timeout=0),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "[wait-control-plane] node-9: kubelet not healthy after 0s" in result.stderr


def test_delete_tolerates_an_unreachable_api_server(tmp_path) -> None:
    fake = tmp_path / "kubectl"
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    script = phase_scripts.delete("addons", "YQ==")
    result = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, env={"PATH": f"{tmp_path}:/usr/bin:/bin"}
    )
    assert result.returncode == 0
    assert "[addons] API server unreachable" in result.stderr


def fake_tools(tmp_path, **tools: str) -> dict[str, str]:
    """Stand-ins for host tools that log their arguments to calls.log; returns the env to run scripts with."""
    for name, body in tools.items():
        tool = tmp_path / name
        tool.write_text(f'#!/bin/bash\necho {name} "$@" >> {tmp_path}/calls.log\n{body}\n')
        tool.chmod(0o755)
    return {"PATH": f"{tmp_path}:/usr/bin:/bin"}


def calls(tmp_path) -> list[str]:
    log = tmp_path / "calls.log"
    return log.read_text().splitlines() if log.exists() else []


def test_mint_token_creates_a_labelled_short_lived_token_and_prints_only_it(tmp_path) -> None:
    import yaml

    env = fake_tools(tmp_path, kubectl=f'[ "$3" = create ] && cat > {tmp_path}/secret.yaml; exit 0')
    result = subprocess.run(["bash", "-c", join_scripts.mint_token("node-2")], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    token_id, _, token_secret = result.stdout.partition(".")
    assert len(token_id) == 6 and len(token_secret) == 16 and result.stdout.isascii()
    secret = yaml.safe_load((tmp_path / "secret.yaml").read_text())
    assert secret["metadata"] == {
        "name": f"bootstrap-token-{token_id}",
        "namespace": "kube-system",
        "labels": {"kubeadm-pulumi.io/join-node": "node-2"},
    }
    data = secret["stringData"]
    assert (data["token-id"], data["token-secret"]) == (token_id, token_secret)
    assert data["usage-bootstrap-authentication"] == "true" and data["usage-bootstrap-signing"] == "true"
    assert data["auth-extra-groups"] == "system:bootstrappers:kubeadm:default-node-token"
    assert secret["type"] == "bootstrap.kubernetes.io/token" and data["expiration"].endswith("Z")
    # An unfinished earlier join's token for the same node is deleted first.
    assert "delete secret -l kubeadm-pulumi.io/join-node=node-2" in calls(tmp_path)[0]


def test_delete_token_deletes_the_secret_by_id(tmp_path) -> None:
    result = subprocess.run(
        ["bash", "-c", join_scripts.delete_token()],
        input="abcdef.0123456789abcdef",
        capture_output=True,
        text=True,
        env=fake_tools(tmp_path, kubectl=""),
    )
    assert result.returncode == 0 and "0123456789abcdef" not in result.stdout + result.stderr
    assert "delete secret bootstrap-token-abcdef --ignore-not-found" in calls(tmp_path)[0]


def test_a_token_that_cannot_be_deleted_fails_the_step(tmp_path) -> None:
    result = subprocess.run(
        ["bash", "-c", join_scripts.delete_token()],
        input="abcdef.0123456789abcdef",
        capture_output=True,
        text=True,
        env=fake_tools(tmp_path, kubectl="exit 1"),
    )
    assert result.returncode == 1
    assert "could not delete bootstrap token abcdef; it stays valid" in result.stderr
    assert "0123456789abcdef" not in result.stdout + result.stderr


def test_a_removed_nodes_token_step_deletes_its_tokens_by_label_without_previous_output(tmp_path) -> None:
    # Upstream's plugin drops PULUMI_COMMAND_STDOUT on a stock sshd: the delete must need nothing but its own text.
    env = fake_tools(tmp_path, kubectl="")
    result = subprocess.run(
        ["bash", "-c", join_scripts.delete_node_tokens("node-2")], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stderr
    assert calls(tmp_path)[0].endswith(
        "-n kube-system delete secret -l kubeadm-pulumi.io/join-node=node-2 --ignore-not-found"
    )


def test_mark_worker_sets_its_marks_and_removes_those_the_config_dropped(tmp_path) -> None:
    # What an earlier run set is read from the Node's annotations, not from the step's previous output.
    annotations = {
        "kubeadm-pulumi.io/labels": "old tier",
        "kubeadm-pulumi.io/taints": "gone:NoExecute dedicated:NoSchedule",
    }
    getter = "".join(
        f'[ "$7" = {shlex.quote(json_path)} ] && {{ printf %s {shlex.quote(value)}; exit 0; }}\n'
        for key, value in annotations.items()
        for json_path in ["jsonpath={.metadata.annotations." + key.replace(".", "\\.") + "}"]
    )
    script = join_scripts.mark_worker(
        "node-2", (("tier", "web"),), (Taint(key="dedicated", value="web", effect="NoSchedule"),)
    )
    env = fake_tools(tmp_path, kubectl=getter + "exit 0")
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    made = [line.split("--request-timeout=20s ")[1] for line in calls(tmp_path) if " get " not in line]
    assert made == [
        "label node node-2 old-",
        "taint node node-2 gone:NoExecute-",
        "label node node-2 tier=web --overwrite",
        "taint node node-2 dedicated=web:NoSchedule --overwrite",
        "annotate node node-2 --overwrite kubeadm-pulumi.io/labels=tier kubeadm-pulumi.io/taints=dedicated:NoSchedule",
    ]
    assert "PULUMI_COMMAND" not in script


def test_remove_node_skips_the_drain_of_an_unreachable_kubelet_and_deletes_the_node(tmp_path) -> None:
    # Nothing listens on 127.0.0.1:10250 here, as on a stopped host.
    env = fake_tools(tmp_path, kubectl='[ "$3" = get ] && echo node/node-2; exit 0')
    result = subprocess.run(
        ["bash", "-c", join_scripts.remove_node("node-2", "127.0.0.1")], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stderr
    verbs = [line.split("--request-timeout=20s ")[1].split()[0] for line in calls(tmp_path)]
    assert verbs == ["get", "cordon", "delete"]
    assert "[remove] node-2: its kubelet at 127.0.0.1:10250 does not answer; not draining" in result.stdout


def test_remove_node_of_a_node_that_is_gone_is_done(tmp_path) -> None:
    env = fake_tools(tmp_path, kubectl="exit 0")
    result = subprocess.run(
        ["bash", "-c", join_scripts.remove_node("node-2", "127.0.0.1")], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0 and "no Node object" in result.stdout and len(calls(tmp_path)) == 1


@pytest.mark.parametrize(("ssh_status", "status", "warned"), [(0, 0, False), (255, 0, True), (3, 3, False)])
def test_reset_over_ssh_reports_an_unreachable_host_without_failing(
    tmp_path, ssh_status: int, status: int, warned: bool
) -> None:
    env = fake_tools(tmp_path, ssh=f"cat > /dev/null; exit {ssh_status}")
    script = node_scripts.reset_over_ssh("node-3", "10.213.0.13", 22, "root", "/k")
    result = subprocess.run(["bash", "-c", script], input="reset script", capture_output=True, text=True, env=env)
    assert result.returncode == status
    assert ("node-3 (10.213.0.13) is unreachable over SSH: the host was NOT reset" in result.stdout) == warned
    assert calls(tmp_path)[0].endswith("root@10.213.0.13 sh -s")


def test_mark_control_plane_waits_for_the_node_and_fails_when_it_never_registers(tmp_path) -> None:
    # kubectl that never finds the Node: the step must fail, not report the marks as set.
    env = fake_tools(tmp_path, kubectl="exit 1")
    script = phase_scripts.mark_control_plane("node-3", {"a": ""}, ["a:NoSchedule"], timeout=2)
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env, timeout=30)
    assert result.returncode == 1
    assert "[mark-control-plane] node-3: Node not registered after 2s" in result.stderr
    assert not any(" label " in line for line in calls(tmp_path))


# The fake pod's process name: unique, so that neither a lab node's real kube-scheduler (this machine sees the
# nodes' processes) nor another run of this test is taken for it, or killed.
FAKE_POD = f"fake-scheduler-{os.getpid()}"


def rollout_host(tmp_path) -> tuple[dict[str, str], list]:
    """A host for the control-plane rollout: a fake scheduler process kept alive by a fake kubelet loop (a real
    process, so pgrep, /proc and kill are real), and the pod's manifest and kubeconfig as files."""
    env = fake_tools(tmp_path, curl="exit 0")
    manifest, conf = tmp_path / "kube-scheduler.yaml", tmp_path / "scheduler.conf"
    manifest.write_text("manifest v1\n")
    conf.write_text("kubeconfig v1\n")
    pods = [(FAKE_POD, str(manifest), "https://127.0.0.1:10259/readyz", [str(conf)])]
    return env, pods


def running(name: str) -> int:
    return int(subprocess.run(["pgrep", "-o", "-f", f"^{name}( |$)"], capture_output=True, text=True).stdout)


def test_rollout_restarts_a_pod_whose_files_changed_and_waits_for_the_kubelet_on_a_manifest_change(tmp_path) -> None:
    env, pods = rollout_host(tmp_path)
    kubelet = subprocess.Popen(
        ["bash", "-c", f"while :; do (exec -a {FAKE_POD} sleep 600); sleep 0.2; done"], start_new_session=True
    )
    try:
        deadline = time.monotonic() + 10
        while subprocess.run(["pgrep", "-f", f"^{FAKE_POD}( |$)"], capture_output=True).returncode:
            assert time.monotonic() < deadline
        state = tmp_path / "state"

        def rollout(mode: str) -> subprocess.CompletedProcess[str]:
            text = rollout_scripts.control_plane("node-1", mode, pods, "https://10.0.0.10:6443", timeout=20)
            text = text.replace("state_dir=/etc/kubernetes/tmp/kubeadm-pulumi-rollout", f"state_dir={state}")
            return subprocess.run(["bash", "-c", text], capture_output=True, text=True, env=env, timeout=60)

        assert rollout("record").returncode == 0
        first = running(FAKE_POD)
        # Nothing changed: nothing restarts.
        result = rollout("roll")
        assert result.returncode == 0 and "restarting" not in result.stdout and running(FAKE_POD) == first
        # Its kubeconfig changed: the pod is restarted once, and runs again.
        (tmp_path / "scheduler.conf").write_text("kubeconfig v2\n")
        result = rollout("roll")
        assert result.returncode == 0, result.stderr
        assert f"{FAKE_POD}: the files it reads changed, restarting it" in result.stdout
        second = running(FAKE_POD)
        assert second != first
        # Its manifest changed: the kubelet replaces the pod (here: the fake kubelet, a second after the write); the
        # rollout waits for that, and does not restart the pod itself.
        (tmp_path / "kube-scheduler.yaml").write_text("manifest v2\n")
        replace = subprocess.Popen(["bash", "-c", f"sleep 1.5; kill {second}"])
        result = rollout("roll")
        replace.wait()
        assert result.returncode == 0 and "waiting for the kubelet to start the pod on its new files" in result.stdout
        third = running(FAKE_POD)
        assert third != second
        # A manifest change the kubelet never picks up fails the step, naming the host and the pod.
        (tmp_path / "kube-scheduler.yaml").write_text("manifest v3\n")
        text = rollout_scripts.control_plane("node-1", "roll", pods, "https://10.0.0.10:6443", timeout=2)
        text = text.replace("state_dir=/etc/kubernetes/tmp/kubeadm-pulumi-rollout", f"state_dir={state}")
        result = subprocess.run(["bash", "-c", text], capture_output=True, text=True, env=env, timeout=60)
        assert result.returncode == 1
        assert f"[rollout] node-1: the kubelet did not replace {FAKE_POD} within 2s" in result.stderr
    finally:
        os.killpg(kubelet.pid, signal.SIGKILL)
        subprocess.run(["pkill", "-f", f"^{FAKE_POD}( |$)"])
