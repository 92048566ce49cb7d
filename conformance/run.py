"""Kubernetes' own end-to-end suite against a cluster this program built (`make conformance`).

    python conformance/run.py [--stack lab] [--focus RE] [--skip RE] [--procs 4] [--dry-run]

Builds (or reuses) `e2e.test` and the ginkgo runner at the cluster's Kubernetes release (lab/k8s/build.sh e2e-1.X,
cached like every other build), takes the stack's admin kubeconfig from `pulumi stack output` (written 0600, never
printed), runs the focus with ginkgo in parallel (specs marked Serial run after the others, on their own), and
prints passed/failed/skipped with the first line of every failure. The JUnit report, the kubeconfig and ginkgo's
log go under conformance/results/<stack>-<UTC time>/ (git-ignored).

Default focus: the [Conformance] tests of sig-network, sig-node and sig-apps. Default skip: what no air-gapped site
can run (specs that pull from a public registry) and specs whose images the lab does not build (see README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "conformance" / "results"
DEFAULT_FOCUS = r"\[sig-(network|node|apps)\].*\[Conformance\]"
# Specs that need what an air-gapped lab cannot have; each is explained in conformance/README.md.
DEFAULT_SKIP = "|".join(
    [
        r"should be able to pull image",  # pulls from a public registry on purpose
        r"ImageVolume should succeed with pod and pull policy of Always",  # Always pulls, from a registry
        r"should not allow privilege escalation when false",  # its nonewprivs image is not built by the lab
        r"\[Feature:",  # features not enabled on a default kubeadm cluster
    ]
)


def stack_minor(stack: str) -> str:
    out = subprocess.run(
        ["pulumi", "config", "get", "kubeadm:kubernetesVersion", "--stack", stack],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    sys.path.insert(0, str(ROOT))
    from components import constants

    version = out.stdout.strip() if out.returncode == 0 else constants.DEFAULT_KUBERNETES_VERSION
    match = re.match(r"^v1\.(\d+)\.\d+$", version)
    if not match:
        raise SystemExit(f"conformance: stack {stack}: kubernetesVersion {version!r} is not a release")
    return f"1.{match.group(1)}"


def build_e2e(minor: str) -> Path:
    unit = f"e2e-{minor}"
    if not (ROOT / "lab" / "k8s" / unit / "go.mod").exists():
        raise SystemExit(f"conformance: no e2e build for Kubernetes {minor} (lab/k8s/{unit} is missing)")
    print(f"[conformance] building or reusing e2e.test for Kubernetes {minor} (lab/k8s/build.sh {unit})", flush=True)
    started = time.monotonic()
    out = subprocess.run(["bash", str(ROOT / "lab/k8s/build.sh"), unit], stdout=subprocess.PIPE, text=True, check=True)
    print(f"[conformance] e2e.test ready in {time.monotonic() - started:.0f}s", flush=True)
    return Path(out.stdout.split()[-1]) / "bin"


def write_kubeconfig(stack: str, folder: Path) -> Path:
    out = subprocess.run(
        ["pulumi", "stack", "output", "admin_kubeconfig", "--show-secrets", "--stack", stack],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if out.returncode != 0 or "apiVersion" not in out.stdout:
        raise SystemExit(f"conformance: stack {stack} has no admin_kubeconfig output (`make lab` first)")
    path = folder / "admin.conf"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(out.stdout)
    return path


def summarize(report: Path) -> dict:
    """Counts and failures from ginkgo's JUnit report."""
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    failures = []
    for case in ET.parse(report).getroot().iter("testcase"):
        name = case.get("name", "")
        if re.match(r"^\[\w*Suite\]", name) and case.find("failure") is None:  # ginkgo's suite-level nodes
            continue
        if case.find("skipped") is not None:
            counts["skipped"] += 1
        elif (node := next((n for n in case if n.tag in ("failure", "error")), None)) is not None:
            counts["failed"] += 1
            message = (node.get("message") or node.text or "").strip().splitlines()
            failures.append({"name": name, "message": message[0][:300] if message else ""})
        else:
            counts["passed"] += 1
    return {**counts, "failures": failures}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stack", default="lab")
    ap.add_argument("--focus", default=DEFAULT_FOCUS)
    ap.add_argument("--skip", default=DEFAULT_SKIP)
    ap.add_argument("--procs", type=int, default=4, help="parallel ginkgo processes (default 4)")
    ap.add_argument("--dry-run", action="store_true", help="list the specs the focus selects, run none")
    ap.add_argument("--rerun-failed", metavar="DIR", help="run only the specs that failed in an earlier results DIR")
    args = ap.parse_args()
    if args.rerun_failed:
        failed = json.loads((Path(args.rerun_failed) / "summary.json").read_text())["failures"]
        if not failed:
            raise SystemExit(f"conformance: nothing failed in {args.rerun_failed}")
        # ginkgo matches --focus against the full spec text; a JUnit name is "[It] <text> [<label>, <label>...]".
        texts = [re.sub(r" \[[^\[\]]*, [^\[\]]*\]$", "", f["name"].removeprefix("[It] ")) for f in failed]
        args.focus = "|".join(re.escape(t) for t in texts)

    minor = stack_minor(args.stack)
    bins = build_e2e(minor)
    folder = RESULTS / f"{args.stack}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}"
    folder.mkdir(parents=True)
    kubeconfig = write_kubeconfig(args.stack, folder)
    ginkgo = [
        str(bins / "ginkgo"),
        f"--procs={1 if args.dry_run else args.procs}",
        f"--focus={args.focus}",
        f"--skip={args.skip}" if args.skip else "--skip=^$",
        "--timeout=4h",
        "--no-color",
        "--silence-skips",
        f"--output-dir={folder}",
        "--junit-report=junit.xml",
        *(["--dry-run", "-v"] if args.dry_run else []),
        str(bins / "e2e.test"),
        "--",
        f"--kubeconfig={kubeconfig}",
        f"--report-dir={folder}",
        "--disable-log-dump",
    ]
    shown = args.focus if len(args.focus) < 200 else f"{args.focus[:200]}..."
    print(f"[conformance] focus {shown}; skip {args.skip}; results in {folder}", flush=True)
    started = time.monotonic()
    with open(folder / "ginkgo.log", "w") as log:
        run = subprocess.run(ginkgo, stdout=log, stderr=subprocess.STDOUT, cwd=folder)
    wall = time.monotonic() - started
    report = folder / "junit.xml"
    if not report.exists():
        print(f"[conformance] ginkgo exited {run.returncode} without a report; see {folder / 'ginkgo.log'}")
        return 1
    summary = summarize(report) | {"wall_seconds": round(wall), "kubernetes": minor, "stack": args.stack}
    (folder / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(
        f"[conformance] {summary['passed']} passed, {summary['failed']} failed, {summary['skipped']} skipped "
        f"in {wall / 60:.1f} min (Kubernetes {minor}, stack {args.stack})"
    )
    for failure in summary["failures"]:
        print(f"  FAILED {failure['name']}\n         {failure['message']}")
    return 0 if summary["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
