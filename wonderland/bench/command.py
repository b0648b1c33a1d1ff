"""`wonderland bench [WORKLOAD ...]`: time wonderland side by side with PyTorch (and NumPy,
tinygrad, mygrad where they apply and are installed) and print the tables."""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys

from . import harness, report
from .workloads import FAMILIES, WORKLOADS, select


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except (AttributeError, OSError):
        return "?"


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="wonderland bench",
        description="Time wonderland side by side with PyTorch (and NumPy, tinygrad, mygrad "
                    "where they apply and are installed), each in its own worker process, and "
                    "print a table of medians, ratios and targets.",
        epilog=f"workloads: {', '.join(WORKLOADS)}; families: {', '.join(FAMILIES)}")
    ap.add_argument("workloads", nargs="*", metavar="WORKLOAD",
                    help="workload or family names (default: all)")
    ap.add_argument("--rounds", type=int, help="rounds over the systems (default 5, quick 1)")
    ap.add_argument("--repeats", type=int, help="timed repeats per round (default 5, quick 2)")
    ap.add_argument("--warmup", type=int, default=1, help="untimed repeats per round")
    ap.add_argument("--min-time", type=float,
                    help="seconds one repeat lasts at least (default 0.05, quick 0.001)")
    ap.add_argument("--max-time", type=float, default=10.0,
                    help="seconds of repeats per system and round before stopping early "
                         "(after at least 3)")
    ap.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run")
    ap.add_argument("--threads", type=int, default=harness.default_threads(),
                    help="threads for every system (default: the CPUs available)")
    ap.add_argument("--systems", help=f"comma-separated, from {', '.join(harness.SYSTEMS)} "
                                      f"(default: those installed)")
    ap.add_argument("--no-memory", action="store_true",
                    help="skip the memory probes of the training steps")
    ap.add_argument("--memory-steps", default=None, metavar="A,B",
                    help="memory probe: RSS after step A and step B (default 10,50; quick 2,5)")
    ap.add_argument("--json", metavar="PATH", help="also write every measurement here")
    ap.add_argument("--profile", action="store_true",
                    help="instead of timing: cProfile wonderland on each workload for 3 s "
                         "(quick: 0.2 s) and print the top functions by own time")
    ap.add_argument("--list", action="store_true", help="list the workloads and exit")
    return ap


def resolve_systems(text: str | None) -> list[str]:
    """The systems asked for, in table order; ValueError for unknown or missing ones."""
    if not text:
        return harness.default_systems()
    asked = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [s for s in asked if s not in harness.SYSTEMS]
    if unknown:
        raise ValueError(f"unknown system(s) {', '.join(unknown)}; known: "
                         f"{', '.join(harness.SYSTEMS)}")
    missing = [s for s in asked if not harness.available(s)]
    if missing:
        raise ValueError(f"not installed: {', '.join(missing)}")
    return [s for s in harness.SYSTEMS if s in asked]


def describe_run(settings: harness.Settings, info: dict, load: tuple[str, str]) -> str:
    versions = []
    for system, d in info.items():
        if "error" in d:
            versions.append(f"{system} (error: {d['error']})")
            continue
        extra = f", {d['threads']} threads" if "threads" in d else ""
        versions.append(f"{system} {d['version']}{extra}")
    numpy = next((d for d in info.values() if "numpy" in d), {})
    sizes = "quick (tiny) sizes" if settings.quick else "full sizes"
    return (f"{cpu_model()}, {os.cpu_count()} CPUs, {platform.system()} {platform.machine()}, "
            f"Python {platform.python_version()}; NumPy {numpy.get('numpy', '?')} "
            f"({numpy.get('blas', '?')}); {'; '.join(versions)}\n"
            f"{settings.threads} threads per system, {settings.rounds} rounds x "
            f"{settings.repeats} repeats (+{settings.warmup} warm-up), {sizes}; "
            f"load average {load[0]} at start, {load[1]} at end")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks named in argv (all by default), print the tables; 0 when every
    measurement succeeded, 1 when some failed, 2 for bad arguments."""
    args = parser().parse_args(argv)
    if args.list:
        for w in WORKLOADS.values():
            print(f"{w.name:12s} {w.family:9s} {w.title}")
        return 0
    try:
        workloads = select(args.workloads)
        systems = resolve_systems(args.systems)
    except ValueError as e:
        print(f"wonderland bench: {e}", file=sys.stderr)
        return 2
    q = args.quick
    try:
        text = args.memory_steps or ("2,5" if q else "10,50")
        steps = tuple(int(x) for x in text.split(","))
        if len(steps) != 2 or not 1 < steps[0] < steps[1]:
            raise ValueError
    except ValueError:
        print(f"wonderland bench: --memory-steps wants A,B with 1 < A < B, got "
              f"{args.memory_steps!r}", file=sys.stderr)
        return 2
    settings = harness.Settings(
        rounds=args.rounds or (1 if q else 5), repeats=args.repeats or (2 if q else 5),
        warmup=args.warmup, min_time=args.min_time or (0.001 if q else 0.05), quick=q,
        max_time=args.max_time, threads=args.threads, memory=not args.no_memory,
        memory_steps=steps)
    if args.profile:
        for w in workloads:
            try:
                print(harness.profile(w, "wonderland", settings, seconds=0.2 if q else 3.0))
            except harness.WorkerError as e:
                print(f"{w.name}: {e}")
                return 1
        return 0
    start_load = load_average()
    started = datetime.datetime.now().astimezone()
    results, info = harness.run_suite(
        workloads, systems, settings, log=lambda s: print(s, file=sys.stderr, flush=True))
    header = describe_run(settings, info, (start_load, load_average()))
    rows = [report.analyse(w, results[w.name], q) for w in workloads]
    used = [s for s in systems if any(s in results[w.name] for w in workloads)]
    print(f"{header}\n")
    print(report.table(workloads, results, rows, used))
    print("\nmedian (interquartile range as % of the median) per system; time wl/torch is the "
          "ratio of median times\n(range of the per-round ratios); targets are wonderland's.")
    memory = report.memory_table(workloads, results, used)
    if memory:
        print(f"\n{memory}")
    if args.json:
        meta = {"started": started.isoformat(timespec="seconds"), "command": sys.argv,
                "argv": argv, "header": header, "settings": vars(settings), "systems": info}
        with open(args.json, "w") as f:
            json.dump(report.record(meta, workloads, results, rows), f, indent=1)
    failed = any(m.error for r in results.values() for m in r.values())
    return 1 if failed else 0
