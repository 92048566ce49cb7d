"""The other pure helpers: summaries, the cluster's waits, kubeadm's join line, /proc parsing."""

from __future__ import annotations

import pytest

from bench import kubeadm_baseline, procmem, waits
from bench.stats import ratio, summarize


def test_summary_is_median_min_max_and_ratio_tolerates_missing_values() -> None:
    s = summarize([3.0, 1.0, 2.0, 10.0])
    assert s is not None and (s.median, s.min, s.max, s.n) == (2.5, 1.0, 10.0, 4)
    assert summarize([]) is None
    assert ratio(1.0, 4.0) == 0.25 and ratio(None, 4.0) is None and ratio(1.0, 0.0) is None


def test_waits_from_the_control_plane_report_and_kubelet_starts() -> None:
    report = """\
etcd_start 2026-11-29T17:54:25.303333853Z
apiserver_start 2026-11-29T17:54:25.030756949Z
etcd_ready 2026-11-29T17:54:26.303333853Z
api_object 2026-11-29T17:54:27Z
api_object 2026-11-29T17:54:28Z
node node-1 2026-11-29T17:54:28Z
node node-2 2026-11-29T17:54:44Z
node node-3 2026-11-29T17:54:47Z
"""
    t = waits.parse_time("2026-11-29T17:54:40Z")
    found = waits.compute(report, {"node-2": t + 1, "node-3": t + 5})
    assert found.etcd_ready == pytest.approx(1.0, abs=1e-3)
    assert found.api_server_ready == pytest.approx(2.969, abs=1e-3)
    assert found.tls_bootstrap == {"node-2": 3.0, "node-3": 2.0}
    assert found.critical_path == pytest.approx(2.969 + 3.0, abs=1e-3)
    assert found.sum_all == pytest.approx(2.969 + 5.0, abs=1e-3)


def test_join_line_of_kubeadm_init() -> None:
    out = (
        "Then you can join any number of worker nodes by running the following on each as root:\n\n"
        "kubeadm join 10.213.1.11:6443 --token abcdef.0123456789abcdef \\\n"
        "\t--discovery-token-ca-cert-hash sha256:" + "ab" * 32 + " \n"
    )
    assert kubeadm_baseline.parse_join(out) == ("abcdef.0123456789abcdef", "sha256:" + "ab" * 32)


def test_processes_are_grouped_by_command_line() -> None:
    assert procmem.classify("/root/.pulumi/plugins/resource-command-v1.0.1/pulumi-resource-command\0") == (
        "command_provider"
    )
    assert procmem.classify("/x/.venv/bin/pulumi-language-python\0-root=/p\0") == "language_host"
    assert procmem.classify("/x/.venv/bin/python\0-u\0/x/pulumi-language-python-exec\0--engine\0") == "program"
    assert procmem.classify("ssh\0root@10.0.0.1\0") is None
    assert procmem.parse_hwm_kib("Name:\tpython\nVmHWM:\t  67432 kB\n") == 67432


def test_p6_counts_creates_and_takes_the_slope_between_the_smallest_and_largest_size() -> None:
    from bench import scale_preview

    assert scale_preview.creates("Resources:\n    + 1411 to create\n\nDuration: 21s\n") == 1411
    assert scale_preview.creates("no summary") is None
    records = [
        {"workers": 100, "seconds": 20.0, "peak_mib": {"program": 150.0, "cli": 90.0}, "creates": 1411},
        {"workers": 10, "seconds": 4.0, "peak_mib": {"program": 100.0, "cli": 80.0}, "creates": 151},
    ]
    assert abs(scale_preview.slope(records, "seconds") - 16.0 / 90) < 1e-9
    assert abs(scale_preview.slope(records, "total") - 60.0 / 90) < 1e-9
    assert scale_preview.slope(records, "creates") == 14.0
    assert scale_preview.slope(records[:1], "seconds") is None
    addresses = [scale_preview.worker_address(i) for i in range(600)]
    assert len(set(addresses)) == 600 and addresses[250] == "198.18.1.1"
