"""Issue 6's benchmarks: kubeadm-pulumi against real kubeadm on fresh lab nodes. Prints a table, writes JSON.

    .venv/bin/python bench/run.py                      # every figure, 3 runs, on the repo bench/ lives in
    .venv/bin/python bench/run.py --runs 1 --only P1,P2,P4 --project /path/to/a/worktree

Figures (each the median of the runs, with min and max):
  P1  pulumi up from an empty stack to 1 control plane + 2 registered workers ÷ kubeadm init + sequential joins
  P2  pulumi up on the unchanged cluster ÷ P1's pulumi time, and the host commands it ran (not `same`)
  P3  adding one worker to a cluster of N workers (--scale-workers, default 6) ÷ adding one to a cluster of 1
  P4  our render code for one control plane ÷ kubeadm init phase certs/kubeconfig/control-plane/etcd
  P5  P1's pulumi time ÷ the unavoidable waits of that create (see bench/waits.py)
  P6  pulumi preview of a fresh stack with 1 control plane and 10, 100, 200 workers (no host contacted): seconds and
      peak memory per host (the slope from 10 to 200), resources per worker (bench/scale_preview.py)
  P2 also gets its floor: an empty Python program's no-op pulumi up with the same CLI (P2 no-op ÷ floor)
  memory: peak RSS of the Pulumi program and the command provider during P1 and P3
Every measurement gets freshly booted lab nodes (a lab per measurement, torn down after), never reset ones:
`kubeadm reset` leaves iptables rules, CNI state and the kubelet's restart back-off behind.
Lab names start with `bench` (--lab-prefix); only one lab of the benchmark runs at a time.
"""

from __future__ import annotations

import argparse
import datetime
import functools
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `bench` importable from the repo it lives in
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import events, kubeadm_baseline, labs, pulumi_driver, scale_preview, waits
from bench.stats import Summary, ratio, summarize, table

HERE = Path(__file__).resolve().parent
FIGURES = ("P1", "P2", "P3", "P4", "P5", "P6")


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def measure_kubeadm(project: Path, python: str, lab_name: str) -> dict[str, Any]:
    """kubeadm init + sequential joins on a fresh 3-node lab: seconds, per-step seconds, the cluster's waits."""
    lab, _ = labs.up(lab_name, 3, project, python)
    try:
        workers = [n.name for n in lab.nodes[1:]]
        run = kubeadm_baseline.create(lab, workers)
        found = waits.measure(lab, workers)
        return {
            "seconds": run.total,
            "steps": run.steps,
            "ignored_preflight": list(run.ignored_preflight),
            "waits": found.to_dict(),
        }
    finally:
        labs.down(lab_name, project, python)


def _up_record(result: pulumi_driver.UpResult) -> dict[str, Any]:
    """Seconds, memory, host commands run and the per-phase breakdown of one `pulumi up`."""
    evs = events.load(result.event_log)
    spans = events.spans(evs, result.arrival)
    return {
        "seconds": result.seconds,
        "peak_mib": result.peak_mib,
        "commands_run": events.commands_run(evs),
        "command_ops": dict(events.operations(evs)),
        "first_resource_at": min((s.start for s in spans), default=None),
        "phases": [p.to_dict() for p in events.phases(spans)],
        "slowest": [
            {"name": s.name, "type": s.type, "seconds": s.seconds, "start": s.start} for s in events.slowest(spans, 8)
        ],
        "event_log": str(result.event_log),
    }


def measure_pulumi(project: Path, python: str, lab_name: str, workdir: Path, tag: str) -> dict[str, Any]:
    """pulumi up from an empty stack on a fresh 3-node lab (P1, P5), then again unchanged (P2)."""
    lab, _ = labs.up(lab_name, 3, project, python)
    stack = pulumi_driver.Stack(name=f"create-{tag}", project=project, workdir=workdir)
    try:
        stack.init(pulumi_driver.stack_config(lab.nodes[0], list(lab.nodes[1:]), lab.key_path(), lab.package_source()))
        create = stack.up(workdir / f"events-create-{tag}.jsonl")
        found = waits.measure(lab, [n.name for n in lab.nodes[1:]])
        noop = stack.up(workdir / f"events-noop-{tag}.jsonl")
        return {"create": _up_record(create), "noop": _up_record(noop), "waits": found.to_dict()}
    finally:
        stack.remove()
        labs.down(lab_name, project, python)


def measure_scale(project: Path, python: str, lab_name: str, workdir: Path, workers: int, tag: str) -> dict[str, Any]:
    """A cluster of `workers` workers (not timed), then `pulumi up` adding one more worker (timed)."""
    lab, _ = labs.up(lab_name, workers + 2, project, python)
    stack = pulumi_driver.Stack(name=f"scale{workers}-{tag}", project=project, workdir=workdir)
    try:
        cp, nodes = lab.nodes[0], list(lab.nodes[1:])
        key, packages = lab.key_path(), lab.package_source()
        stack.init(pulumi_driver.stack_config(cp, nodes[:-1], key, packages))
        base = stack.up(workdir / f"events-scale{workers}-base-{tag}.jsonl")
        stack.set_config(pulumi_driver.stack_config(cp, nodes, key, packages))
        add = stack.up(workdir / f"events-scale{workers}-add-{tag}.jsonl")
        return {
            "workers": workers,
            "base_seconds": base.seconds,
            "base_peak_mib": base.peak_mib,
            "add": _up_record(add),
        }
    finally:
        stack.remove()
        labs.down(lab_name, project, python)


def measure_render(project: Path, python: str, repeat: int) -> dict[str, Any]:
    """P4 in a separate process importing the project's own components (bench/render.py)."""
    out = subprocess.run(
        [python, str(HERE / "render.py"), "--project", str(project), "--repeat", str(repeat)],
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(out.stdout)
    ours = [sum(v for k, v in r["ours"].items() if "not compared" not in k) for r in data["runs"]]
    theirs = [sum(r["kubeadm"].values()) for r in data["runs"]]
    data["ours_seconds"] = statistics.median(ours)
    data["kubeadm_seconds"] = statistics.median(theirs)
    return data


def _collect(runs: list[dict[str, Any]], path: tuple[str, ...]) -> list[float]:
    values = []
    for run in runs:
        node: Any = run
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
            if node is None:
                break
        if isinstance(node, (int, float)):
            values.append(float(node))
    return values


def derive(run: dict[str, Any]) -> dict[str, float | None]:
    """The figures of one run from its measurements (pure; ratios are taken within the run)."""
    p, k = run.get("pulumi"), run.get("kubeadm")
    create = p["create"]["seconds"] if p else None
    figures: dict[str, float | None] = {}
    if p or k:
        figures["P1 pulumi up create (s)"] = create
        figures["P1 kubeadm init+joins (s)"] = k["seconds"] if k else None
        figures["P1 create ratio"] = ratio(create, k["seconds"] if k else None)
    if p:
        figures["P2 no-op pulumi up (s)"] = p["noop"]["seconds"]
        figures["P2 no-op ratio"] = ratio(p["noop"]["seconds"], create)
        figures["P2 host commands run"] = float(p["noop"]["commands_run"])
        figures["P5 critical-path waits (s)"] = p["waits"]["critical_path"]
        figures["P5 critical path ratio"] = ratio(create, p["waits"]["critical_path"])
        figures["mem program P1 (MiB)"] = p["create"]["peak_mib"].get("program")
        figures["mem command provider P1 (MiB)"] = p["create"]["peak_mib"].get("command_provider")
        figures["mem dynamic provider P1 (MiB)"] = p["create"]["peak_mib"].get("dynamic_provider")
    if k:
        figures["P5 (kubeadm, same definition)"] = ratio(k["seconds"], k["waits"]["critical_path"])
    small, big = run.get("scale_small"), run.get("scale_big")
    if small and big:
        figures["P3 add 1 worker to 1 (s)"] = small["add"]["seconds"]
        figures[f"P3 add 1 worker to {big['workers']} (s)"] = big["add"]["seconds"]
        figures["P3 scale ratio"] = ratio(big["add"]["seconds"], small["add"]["seconds"])
    for scale in (small, big):
        if scale:
            figures[f"mem program P3/{scale['workers']} (MiB)"] = scale["add"]["peak_mib"].get("program")
            figures[f"mem command provider P3/{scale['workers']} (MiB)"] = scale["add"]["peak_mib"].get(
                "command_provider"
            )
    if run.get("floor"):
        figures["P2 empty-program no-op floor (s)"] = run["floor"]["seconds"]
        if p:
            figures["P2 no-op ÷ floor"] = ratio(p["noop"]["seconds"], run["floor"]["seconds"])
    previews = run.get("previews") or []
    for r in previews:
        figures[f"P6 preview {r['workers']} workers (s)"] = r["seconds"]
    if len(previews) > 1:
        per_host = scale_preview.slope(previews, "seconds")
        figures["P6 per host (ms)"] = per_host * 1000 if per_host is not None else None
        for group in ("total", "program", "cli"):
            figures[f"P6 per host, {group} (MiB)"] = scale_preview.slope(previews, group)
        figures["P6 resources per worker"] = scale_preview.slope(previews, "creates")
    if run.get("render"):
        r = run["render"]
        figures["P4 ours render (s)"] = r["ours_seconds"]
        figures["P4 kubeadm phases (s)"] = r["kubeadm_seconds"]
        figures["P4 render ratio"] = ratio(r["ours_seconds"], r["kubeadm_seconds"])
    return figures


GOALS = {
    "P1 create ratio": "<= 0.8",
    "P2 no-op ratio": "<= 0.15",
    "P2 host commands run": "0",
    "P3 scale ratio": "<= 1.2",
    "P4 render ratio": "<= 1.0",
    "P5 critical path ratio": "<= 1.5",
    "P2 no-op ÷ floor": "<= 1.5",
    "P6 per host (ms)": "<= 60",
    "P6 per host, total (MiB)": "<= 0.3",
}


def summarize_runs(per_run: list[dict[str, float | None]]) -> dict[str, Summary | None]:
    names: list[str] = []
    for figures in per_run:
        names += [n for n in figures if n not in names]
    return {n: summarize([v for f in per_run if (v := f.get(n)) is not None]) for n in names}


def _unit(name: str) -> str:
    if name.endswith("(s)"):
        return "s"
    if name.endswith("(MiB)"):
        return "MiB"
    if name.endswith("(ms)"):
        return "ms"
    if "commands" in name:
        return "count"
    return "x"


def retried(measure: Callable[[str], dict[str, Any]], tag: str, run: dict[str, Any]) -> dict[str, Any]:
    """One measurement, on a fresh lab; once more on another fresh lab when the first attempt failed (a lab node
    that booted wrong must not throw away the whole benchmark). The failure is kept in the run's record."""
    try:
        return measure(tag)
    except labs.BenchError as error:
        log(f"measurement failed, once more on a fresh lab: {str(error).splitlines()[0]}")
        run.setdefault("retried", []).append(str(error)[-2000:])
        return measure(f"{tag}-again")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--project", type=Path, default=HERE.parent, help="project to measure (default: this repo)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", default=",".join(FIGURES), help="comma-separated figures, e.g. P1,P4")
    parser.add_argument("--scale-workers", type=int, default=6, help="workers of P3's large cluster")
    parser.add_argument("--render-repeat", type=int, default=5, help="renders per P4 run (their median is used)")
    parser.add_argument("--lab-prefix", default="bench")
    parser.add_argument("--results", type=Path, default=HERE / "results")
    args = parser.parse_args(argv)
    only = {f.strip().upper() for f in args.only.split(",") if f.strip()}
    if unknown := only - set(FIGURES):
        parser.error(f"unknown figures {sorted(unknown)} (known: {', '.join(FIGURES)})")
    project = args.project.resolve()
    python = str(project / ".venv" / "bin" / "python")
    workdir = Path(tempfile.mkdtemp(prefix="kubeadm-pulumi-bench-"))
    preview_key = scale_preview.write_key(workdir / "preview-key")
    log(f"project {project}, {args.runs} run(s) of {','.join(sorted(only))}; event logs in {workdir}")

    runs: list[dict[str, Any]] = []
    started = time.monotonic()
    for i in range(args.runs):
        run: dict[str, Any] = {"index": i}
        tag = str(i)
        if only & {"P1", "P2", "P5"}:
            # Alternate who goes first, so a drift of the machine's load does not always favour one side.
            sides = ["kubeadm", "pulumi"] if i % 2 == 0 else ["pulumi", "kubeadm"]
            for side in sides:
                if side == "kubeadm" and only & {"P1", "P5"}:
                    log(f"run {i}: kubeadm init + joins")
                    run["kubeadm"] = retried(
                        lambda _: measure_kubeadm(project, python, f"{args.lab_prefix}-k"), tag, run
                    )
                    log(f"run {i}: kubeadm {run['kubeadm']['seconds']:.1f}s")
                elif side == "pulumi":
                    log(f"run {i}: pulumi up (create, then no-op)")
                    run["pulumi"] = retried(
                        lambda t: measure_pulumi(project, python, f"{args.lab_prefix}-p", workdir, t), tag, run
                    )
                    log(f"run {i}: pulumi create {run['pulumi']['create']['seconds']:.1f}s")
        if "P3" in only:
            for key, n in (("scale_small", 1), ("scale_big", args.scale_workers)):
                log(f"run {i}: scale {n} -> {n + 1} workers")
                scale = functools.partial(measure_scale, project, python, f"{args.lab_prefix}-s", workdir, n)
                run[key] = retried(scale, tag, run)
                log(f"run {i}: add to {n}: {run[key]['add']['seconds']:.1f}s")
        if "P2" in only:
            log(f"run {i}: the empty program's no-op up (P2's floor)")
            run["floor"] = scale_preview.measure_floor(project, workdir, tag)
        if "P6" in only:
            for n in scale_preview.SIZES:
                log(f"run {i}: preview of 1 control plane + {n} workers")
                record = scale_preview.measure_preview(project, workdir, preview_key, n, tag)
                run.setdefault("previews", []).append(record)
                log(f"run {i}: preview {n}: {record['seconds']:.1f}s")
        if "P4" in only:
            log(f"run {i}: render")
            run["render"] = measure_render(project, python, args.render_repeat)
        run["figures"] = derive(run)
        runs.append(run)

    summary = summarize_runs([r["figures"] for r in runs])
    rows = [(name, _unit(name), s, GOALS.get(name, "")) for name, s in summary.items()]
    print(table(rows))
    last = next((r for r in reversed(runs) if r.get("pulumi")), None)
    if last:
        create = last["pulumi"]["create"]
        print("\nwhere P1's pulumi up spends its time (last run; seconds since the CLI started):")
        print(events.phase_lines(create["phases"]))
        print("slowest steps: " + ", ".join(f"{s['name']} {s['seconds']:.1f}s" for s in create["slowest"][:4]))
    if last and last.get("kubeadm"):
        print("kubeadm steps: " + ", ".join(f"{k} {v:.1f}s" for k, v in last["kubeadm"]["steps"].items()))
        print(f"kubeadm preflight ignored: {', '.join(last['kubeadm']['ignored_preflight'])}")

    args.results.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    out = args.results / f"bench-{stamp}.json"
    commit = subprocess.run(["git", "-C", str(project), "rev-parse", "HEAD"], capture_output=True, text=True)
    out.write_text(
        json.dumps(
            {
                "project": str(project),
                "commit": commit.stdout.strip() or None,
                "runs_requested": args.runs,
                "only": sorted(only),
                "wall_seconds": time.monotonic() - started,
                "summary": {n: s.to_dict() if s else None for n, s in summary.items()},
                "goals": GOALS,
                "runs": runs,
            },
            indent=1,
        )
    )
    log(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
