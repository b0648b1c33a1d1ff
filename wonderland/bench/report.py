"""Statistics over the measured times (median, interquartile range, per-round ratios), the
targets judged, the markdown tables, and the JSON record of a run."""
from __future__ import annotations

import statistics
from dataclasses import asdict

from .harness import Measurement
from .workloads import Workload, format_seconds

MIB = 2.0 ** 20
GROWTH_MIB = 4.0  # RSS growth over the checkpoint steps flagged above max(this, 5% of the peak)
GROWTH_SHARE = 0.05


def quartiles(xs: list[float]) -> tuple[float, float, float]:
    """(first quartile, median, third quartile), linear interpolation between samples."""
    if len(xs) == 1:
        return xs[0], xs[0], xs[0]
    q1, q2, q3 = statistics.quantiles(xs, n=4, method="inclusive")
    return q1, q2, q3


def summary(m: Measurement) -> dict | None:
    """Median, quartiles and extremes of every repeat of every round (seconds per call)."""
    xs = [t for rnd in m.times for t in rnd]
    if m.error or not xs:
        return None
    q1, med, q3 = quartiles(xs)
    return {"median": med, "q1": q1, "q3": q3, "min": min(xs), "max": max(xs), "n": len(xs)}


def round_ratios(a: Measurement, b: Measurement) -> list[float]:
    """The ratio of median times a/b in each round both completed."""
    return [statistics.median(x) / statistics.median(y) for x, y in zip(a.times, b.times)]


def format_value(seconds: float, unit: str, work: float) -> str:
    """A median time as shown in its unit: a duration, GFLOP/s or samples/s."""
    if unit == "time":
        return format_seconds(seconds)
    rate = work / seconds
    if unit == "GFLOP/s":
        return f"{rate / 1e9:.1f} GFLOP/s"
    return f"{rate / 1e3:.3g}k {unit}" if rate >= 1e3 else f"{rate:.3g} {unit}"


def analyse(workload: Workload, measured: dict[str, Measurement], quick: bool) -> dict:
    """Per system the summary; the wonderland/torch ratio of medians with its per-round range;
    the target and whether it was met (not judged at --quick sizes)."""
    stats = {s: summary(m) for s, m in measured.items()}
    medians = {s: st["median"] for s, st in stats.items() if st}
    row = {"workload": workload.name, "title": workload.title, "unit": workload.unit,
           "stats": stats, "ratio": None, "round_ratios": [], "target": None, "status": "-"}
    if "wonderland" in medians and "torch" in medians:
        row["ratio"] = medians["wonderland"] / medians["torch"]
        row["round_ratios"] = round_ratios(measured["wonderland"], measured["torch"])
    target = workload.target
    if target is not None:
        row["target"] = target.describe()
        met = target.judge(medians)
        if quick:
            row["status"] = "n/a (quick)"
        elif met is not None:
            if target.versus is None:
                value = format_seconds(medians["wonderland"])
            else:
                value = f"{medians['wonderland'] / medians[target.versus]:.2f}x"
            row["status"] = f"{'met' if met else 'missed'} ({value})"
    return row


def _cell(workload: Workload, m: Measurement | None, st: dict | None) -> str:
    if m is None:
        return "-"
    if st is None:
        return "error: " + (m.error.splitlines()[0][:60] if m.error else "no result")
    spread = (st["q3"] - st["q1"]) / st["median"] * 100
    return f"{format_value(st['median'], workload.unit, m.work)} ({spread:.0f}%)"


def table(workloads: list[Workload], results: dict, rows: list[dict],
          systems: list[str]) -> str:
    """The markdown table: median (IQR as % of the median) per system, time ratio
    wonderland/torch of medians (range of the per-round ratios), target, status."""
    head = ["workload", *systems, "time wl/torch", "target", "status"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for workload, row in zip(workloads, rows):
        measured = results[workload.name]
        cells = [workload.name]
        cells += [_cell(workload, measured.get(s), row["stats"].get(s)) for s in systems]
        ratio = "-"
        if row["ratio"] is not None:
            ratio = f"{row['ratio']:.2f}"
            if len(row["round_ratios"]) > 1:
                ratio += f" ({min(row['round_ratios']):.2f}-{max(row['round_ratios']):.2f})"
        cells += [ratio, row["target"] or "-", row["status"]]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def memory_summary(memory: dict | None) -> dict | None:
    """Peak above the RSS with model and data built, and growth: the lowest RSS over the later
    half of the checkpoint steps minus the lowest over the earlier half, in bytes. The lowest,
    because the allocator keeps or returns tens of megabytes now and then (single readings and
    even medians jump between two levels), while a leak lifts the floor. `bounded` is True when
    the high-water mark could not be reset and the steps never raised the earlier one, so the
    peak given is an upper bound."""
    if not memory or "error" in memory or memory.get("rss_before") is None:
        return None
    rss = [memory["rss"][str(s)] for s in range(memory["steps"][0], memory["steps"][1] + 1)]
    if None in rss:
        return None
    window = max(1, len(rss) // 2)
    peak = memory["peak"] if memory.get("peak") is not None else max(rss)
    growth = min(rss[-window:]) - min(rss[:window])
    return {"peak": peak - memory["rss_before"], "growth": growth,
            "bounded": not memory.get("reset") and memory.get("peak_before") is not None
            and peak <= memory["peak_before"], "steps": memory["steps"], "window": window}


def growth_limit(peak: float) -> float:
    """The RSS growth (bytes) over the checkpoint steps flagged as memory growing: allocator
    noise in the lowest readings stays below it."""
    return max(GROWTH_MIB * MIB, GROWTH_SHARE * peak)


def memory_table(workloads: list[Workload], results: dict, systems: list[str]) -> str:
    """Peak memory of the training steps and RSS growth between two later steps, per system."""
    with_memory = [w for w in workloads if w.memory and any(
        m.memory for m in results[w.name].values())]
    if not with_memory:
        return ""
    here = [s for s in systems if any(s in results[w.name] for w in with_memory)]
    steps = window = None
    head = ["training step"] + [f"{s} peak" for s in here] + ["peak wl/torch"] + \
        [f"{s} growth" for s in here]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for w in with_memory:
        sums = {s: memory_summary(results[w.name][s].memory) if s in results[w.name] else None
                for s in here}
        peaks, growths = [], []
        for s in here:
            m = sums[s]
            if m is None:
                peaks.append("-")
                growths.append("-")
                continue
            steps, window = m["steps"], m["window"]
            peaks.append(f"{'<= ' if m['bounded'] else ''}{m['peak'] / MIB:.1f} MiB")
            flag = "grows" if m["growth"] > growth_limit(m["peak"]) else "ok"
            growths.append(f"{m['growth'] / MIB:+.1f} MiB ({flag})")
        ratio = "-"
        ours, theirs = sums.get("wonderland"), sums.get("torch")
        if ours and theirs and theirs["peak"] > 0:
            ratio = f"{ours['peak'] / theirs['peak']:.2f}"
        lines.append("| " + " | ".join([w.name, *peaks, ratio, *growths]) + " |")
    if steps:
        a, b = steps
        lines.append(f"\npeak: high-water RSS during steps 1-{b} above the RSS with model and "
                     f"data built (a fresh process per cell); growth: the lowest RSS after steps "
                     f"{b - window + 1}-{b} minus the lowest after steps {a}-{a + window - 1}, "
                     f"flagged 'grows' above max({GROWTH_MIB:g} MiB, "
                     f"{GROWTH_SHARE * 100:g}% of the peak).")
    return "\n".join(lines)


def record(meta: dict, workloads: list[Workload], results: dict, rows: list[dict]) -> dict:
    """Everything measured, for --json: settings and machine, raw times per round, summaries,
    ratios, targets and memory probes."""
    out = []
    for w, row in zip(workloads, rows):
        systems = {s: {**asdict(m), "summary": row["stats"].get(s),
                       "memory_summary": memory_summary(m.memory)}
                   for s, m in results[w.name].items()}
        out.append({**{k: v for k, v in row.items() if k != "stats"}, "family": w.family,
                    "systems": systems})
    return {"meta": meta, "workloads": out}
