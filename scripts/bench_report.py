#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""bench_report.py DIR: the statistics, tables and plot of a ./kmem bench run.

Reads DIR/samples.csv, boots.csv, footprint.csv and machine.json (written
by scripts/bench.sh); writes DIR/summary.json, DIR/report.md and
DIR/bench.png (with gnuplot, if installed).  Standard library only.
"""
import csv
import json
import math
import os
import random
import statistics
import subprocess
import sys

# The hot-add and hot-remove paths, in table order: (metric, what it is).
SIZE_METRICS = [
    ("add_daxctl", "hot-add: daxctl reconfigure-device -m system-ram"),
    ("remove_daxctl", "hot-remove: daxctl reconfigure-device -m devdax"),
    ("add_bind", "hot-add: sysfs bind (auto_online_blocks=online_movable)"),
    ("add_state", "hot-add: state unplugged -> online_movable"),
    ("remove_state", "hot-remove: state -> unplugged"),
]
BOOT = 4000  # bootstrap resamples
TARGET = 0.02  # the interval half-width the issue asks for


def ms(us):
    return us / 1000.0


def bootstrap_ratio(a, b, rng):
    """95% interval of median(b) / median(a), resampling both."""
    rs = []
    for _ in range(BOOT):
        ma = statistics.median(rng.choices(a, k=len(a)))
        mb = statistics.median(rng.choices(b, k=len(b)))
        rs.append(mb / ma if ma else float("nan"))
    rs.sort()
    return rs[int(0.025 * BOOT)], rs[int(0.975 * BOOT) - 1]


def median_of(rows, **where):
    """Median value of the rows whose fields equal WHERE, or None."""
    x = [r["value"] for r in rows if all(r[k] == w for k, w in where.items())]
    return statistics.median(x) if x else None


def fmt(x, nd=1):
    return "-" if x is None else f"{x:.{nd}f}"


def main(d):
    rows = list(csv.DictReader(open(os.path.join(d, "samples.csv"))))
    machine = json.load(open(os.path.join(d, "machine.json")))
    va, vb = machine["variants"]
    drv = {}
    for r in rows:
        r["value"] = int(r["value"])
        drv[r["variant"]] = r["driver"]
    na, nb = drv.get(va, va), drv.get(vb, vb)
    rng = random.Random(1)
    sizes = sorted({float(r["size_gib"]) for r in rows if r["part"] == "size"})
    summary = {"machine": machine, "size": [], "ranges": [], "trace": [], "lat": []}
    out = []
    label = "TCG (emulated CPU): only the ratios carry over to real hardware" \
        if machine["accel"] == "tcg" else machine["accel"]
    out.append(f"# kmem: {na} vs {nb} driver ({machine['date']})\n")
    out.append(f"Machine: {machine['cpu']}, {machine['host_cpus']} host CPUs, "
               f"{label}; {machine['qemu']}.  Kernel {machine['kernel']}, "
               f"series {machine['series_head'][:12]}; kernels {va} and {vb}.  "
               f"{machine['rounds']} rounds of alternating boots ({na}/{nb}, then "
               f"{nb}/{na}) x {machine['reps']} repetitions per boot; host load "
               f"{machine['host_load_before']} before, {machine['host_load_after']} after; "
               f"{machine['seconds']} s in all.\n")
    if machine.get("smoke"):
        out.append("**Smoke run** (./kmem test): one sample per figure on the "
                   "debug kernels; the numbers mean nothing.\n")

    # 1. Time vs size.
    out.append("## Hot-add and hot-remove time vs size\n")
    out.append(f"Milliseconds, min / median / max over n samples; ratio = median "
               f"{nb} / median {na} with a bootstrap 95% interval; ms/GiB from the "
               f"medians; n(2%) = samples per driver for a +-2% interval at this "
               f"spread.\n")
    out.append(f"| path | GiB added | n | {na} min/med/max | {nb} min/med/max | "
               f"{nb}/{na} | 95% interval | {na} ms/GiB | {nb} ms/GiB | n(2%) |")
    out.append("|---|---|---|---|---|---|---|---|---|---|")
    for metric, what in SIZE_METRICS:
        for g in sizes:
            sel = [r for r in rows if r["part"] == "size" and r["metric"] == metric
                   and float(r["size_gib"]) == g]
            a = [ms(r["value"]) for r in sel if r["variant"] == va]
            b = [ms(r["value"]) for r in sel if r["variant"] == vb]
            if not a or not b:
                continue
            mib = int(sel[0]["size_mib"])
            ma, mb = statistics.median(a), statistics.median(b)
            ratio = mb / ma if ma else None
            lo, hi = bootstrap_ratio(a, b, rng) if len(a) > 1 and len(b) > 1 else (None, None)
            need = None
            if lo is not None and ratio:
                half = (hi - lo) / 2 / ratio
                need = max(len(a), math.ceil(len(a) * (half / TARGET) ** 2))
            gib = mib / 1024
            e = {"metric": metric, "size_gib": g, "added_mib": mib, "n": [len(a), len(b)],
                 na: {"min": min(a), "median": ma, "max": max(a), "ms_per_gib": ma / gib},
                 nb: {"min": min(b), "median": mb, "max": max(b), "ms_per_gib": mb / gib},
                 "ratio": ratio, "ci95": [lo, hi], "n_for_2pct": need}
            summary["size"].append(e)
            out.append(f"| {what} | {gib:.3g} | {len(a)}/{len(b)} | "
                       f"{min(a):.0f}/{ma:.0f}/{max(a):.0f} | {min(b):.0f}/{mb:.0f}/{max(b):.0f} | "
                       f"{fmt(ratio, 3)} | {fmt(lo, 3)}-{fmt(hi, 3)} | {ma / gib:.0f} | "
                       f"{mb / gib:.0f} | {need if need else '-'} |")
    out.append("")

    # 2. mm's share (one traced round per size and driver).
    tr = [r for r in rows if r["part"] == "trace"]
    if tr:
        out.append("## How much of it is mm\n")
        out.append("One traced bind and unplug per boot (function_graph on "
                   "mm's entry points: __add_memory_driver_managed, online_pages, "
                   "offline_and_remove_memory_ranges; outermost calls).  driver = total - mm: "
                   "the driver, sysfs and the write itself.  mm inside: arch_add_memory, "
                   "online_pages, offline_pages, arch_remove_memory per GiB.  Medians "
                   "over the boots (rounds).\n")
        out.append("| driver | GiB | hot-add ms | of which mm | driver | mm inside, ms/GiB | "
                   "hot-remove ms | of which mm | driver | mm inside, ms/GiB |")
        out.append("|---|---|---|---|---|---|---|---|---|---|")
        for g in sorted({float(r["size_gib"]) for r in tr}):
            for v in (va, vb):
                sel = [r for r in tr if r["variant"] == v and float(r["size_gib"]) == g]
                if not sel:
                    continue

                # Per round (one traced bind and unplug each), then the
                # median over rounds.
                rounds = sorted({r["round"] for r in sel})

                def med(f):
                    x = [f([r for r in sel if r["round"] == rd]) for rd in rounds]
                    return statistics.median(x)

                def tot(m):
                    return med(lambda rs: sum(ms(r["value"]) for r in rs if r["metric"] == m))

                def mm(prefix):
                    return med(lambda rs: sum(ms(r["value"]) for r in rs if r["metric"].startswith(prefix)
                                              and ":in:" not in r["metric"]))

                def inner(prefix):
                    keys = {r["metric"][len(prefix) + 3:] for r in sel if r["metric"].startswith(prefix + "in:")}
                    return {k: med(lambda rs: sum(ms(r["value"]) for r in rs
                                                  if r["metric"] == prefix + "in:" + k)) for k in keys}
                add, rem = tot("add_bind"), tot("remove_state")
                madd, mrem = mm("mm_add:"), mm("mm_remove:")
                ia, ir = inner("mm_add:"), inner("mm_remove:")
                summary["trace"].append({"variant": v, "size_gib": g, "rounds": len(rounds), "add_ms": add,
                                         "mm_add_ms": madd, "remove_ms": rem, "mm_remove_ms": mrem,
                                         "mm_add_inner_ms": ia, "mm_remove_inner_ms": ir})
                gib = int(sel[0]["size_mib"]) / 1024

                def per(x):
                    return ", ".join(f"{k} {t / gib:.0f}" for k, t in sorted(x.items()))
                out.append(f"| {drv.get(v, v)} | {g:g} | {add:.0f} | {madd:.0f} | "
                           f"{add - madd:.1f} | {per(ia)} | {rem:.0f} | {mrem:.0f} | "
                           f"{rem - mrem:.1f} | {per(ir)} |")
        out.append("")

    # 3. Many ranges.
    rg = [r for r in rows if r["part"] == "ranges"]
    if rg:
        out.append("## Devices of several ranges\n")
        out.append("One memory block per range, out of the hmem region; bind (add and "
                   "online) and unplug through state, median ms (n per driver), ratio "
                   f"{nb}/{na} with its bootstrap 95% interval.\n")
        out.append(f"| ranges | MiB | n | {na} bind | {nb} bind | ratio (95%) | {na} unplug | "
                   f"{nb} unplug | ratio (95%) |")
        out.append("|---|---|---|---|---|---|---|---|---|")
        for nr in sorted({int(r["ranges"]) for r in rg}):
            def xs(v, m):
                return [ms(r["value"]) for r in rg if int(r["ranges"]) == nr and r["variant"] == v
                        and r["metric"] == m]

            def cell(m):
                a, b = xs(va, m), xs(vb, m)
                if not a or not b:
                    return None, None, "-"
                ma, mb = statistics.median(a), statistics.median(b)
                r = f"{mb / ma:.3f}" if ma else "-"
                if len(a) > 1 and len(b) > 1 and ma:
                    lo, hi = bootstrap_ratio(a, b, rng)
                    r += f" ({lo:.2f}-{hi:.2f})"
                return ma, mb, r
            ab, bb, rb = cell("add_bind")
            ar, br, rr = cell("remove_state")
            n = len(xs(va, "add_bind"))
            mib = next(int(r["size_mib"]) for r in rg if int(r["ranges"]) == nr)
            summary["ranges"].append({"ranges": nr, "mib": mib, na: [ab, ar], nb: [bb, br]})
            out.append(f"| {nr} | {mib} | {n} | {fmt(ab)} | {fmt(bb)} | {rb} | {fmt(ar)} | "
                       f"{fmt(br)} | {rr} |")
        out.append("")

    # 4. Latency of reading state.
    lt = [r for r in rows if r["part"] == "lat"]
    if lt:
        out.append("## Reading state while another task unplugs\n")
        out.append("Microseconds per open/read/close of state, median over boots of each "
                   "boot's percentile; idle = nothing else running, unplug = while "
                   "state -> unplugged runs (its own time in the last column).\n")
        out.append("| driver | GiB | idle p50 | idle p99 | idle max | unplug p50 | unplug p99 | unplug max | unplug ms |")
        out.append("|---|---|---|---|---|---|---|---|---|")
        for g in sorted({float(r["size_gib"]) for r in lt}):
            for v in (va, vb):
                lg = [r for r in lt if float(r["size_gib"]) == g]
                keys = ["idle_p50", "idle_p99", "idle_max", "unplug_p50", "unplug_p99", "unplug_max"]
                vals = [median_of(lg, variant=v, metric=k) for k in keys]
                w = median_of(lg, variant=v, metric="unplug_writer")
                summary["lat"].append({"variant": v, "size_gib": g, **dict(zip(keys, vals)),
                                       "unplug_writer_us": w})
                out.append(f"| {drv.get(v, v)} | {g:g} | " + " | ".join(fmt(x, 0) for x in vals) +
                           f" | {fmt(ms(w) if w is not None else None, 0)} |")
        out.append("")

    # 5. Footprint: kernel memory a bound device keeps.
    ft = [r for r in rows if r["part"] == "foot"]
    if ft:
        out.append("## Kernel memory per bound device\n")
        out.append("Slab objects allocated while binding dax0.0 and still allocated after "
                   "(kmem:kmalloc/kmem_cache_alloc events with stack traces, minus frees).  "
                   "driver = allocated from kmem.ko (past the allocator and the Rust "
                   "kernel crate's allocation helpers); all = everything the bind left, "
                   "mostly memory block devices and sysfs.  Median over boots.\n")
        out.append("| driver | driver objects | driver bytes | all objects | all bytes |")
        out.append("|---|---|---|---|---|")
        summary["foot"] = []
        for v in (va, vb):
            vals = [median_of(ft, variant=v, metric=k)
                    for k in ("driver_objs", "driver_bytes", "bind_objs", "bind_bytes")]
            summary["foot"].append({"variant": v, "driver_objs": vals[0], "driver_bytes": vals[1],
                                    "bind_objs": vals[2], "bind_bytes": vals[3]})
            out.append(f"| {drv.get(v, v)} | " + " | ".join(fmt(x, 0) for x in vals) + " |")
        out.append("")

    # 6. Driver size.
    fp = os.path.join(d, "footprint.csv")
    if os.path.exists(fp):
        frows = list(csv.DictReader(open(fp)))
        if frows:
            out.append("## Driver size\n")
            out.append("The module (size(1) of kmem.ko: text, data, bss in bytes).  The "
                       "Rust driver also uses the kernel crate's abstractions, built into "
                       "the kernel and shared with every Rust driver; they are not counted.\n")
            out.append("| kernel | object | text | data | bss |")
            out.append("|---|---|---|---|---|")
            for f in frows:
                out.append(f"| {f['variant']} | {f['object']} | {f['text']} | {f['data']} | {f['bss']} |")
            out.append("")
            summary["footprint"] = frows

    boots = list(csv.DictReader(open(os.path.join(d, "boots.csv"))))
    if boots:
        lo = min(int(b["host_mem_available_min_mib"]) for b in boots)
        out.append(f"Host: lowest available memory during any boot {lo} MiB of "
                   f"{machine['host_mem_mib']} MiB; {len(boots)} boots, "
                   f"{sum(int(b['seconds']) for b in boots)} s of guest time.\n")
        summary["host_mem_available_min_mib"] = lo

    # 7. Plot: median with min-max bars, per path and driver.
    plot = None
    data = os.path.join(d, "bench.dat")
    with open(data, "w") as f:
        for metric in ("add_state", "remove_state", "add_daxctl", "remove_daxctl"):
            for v in (va, vb):
                f.write(f"# {metric} {v}\n")
                for e in summary["size"]:
                    if e["metric"] == metric:
                        s = e[drv.get(v, v)]
                        f.write(f"{e['added_mib'] / 1024:.4f} {s['median']:.2f} {s['min']:.2f} {s['max']:.2f}\n")
                f.write("\n\n")
    gp = os.path.join(d, "bench.gp")
    title = "kmem hot-add/remove time vs size" + (" (TCG)" if machine["accel"] == "tcg" else "")
    # Two panels (hot-add, hot-remove); one colour per driver, one point
    # and dash type per path; the drivers' points side by side (x +-3%).
    colour = {va: "#1f77b4", vb: "#d95f02"}
    shift = {va: 0.97, vb: 1.03}
    with open(gp, "w") as f:
        f.write(f'set terminal png size 1100,500\nset output "{os.path.join(d, "bench.png")}"\n'
                f'set multiplot layout 1,2 title "{title}"\n'
                'set xlabel "GiB added"\nset ylabel "ms (median, min-max)"\n'
                'set key top left\nset grid\nset logscale xy\nset offsets graph 0.05, graph 0.05, 0, 0\n')
        index = {}
        i = 0
        for metric in ("add_state", "remove_state", "add_daxctl", "remove_daxctl"):
            for v in (va, vb):
                index[metric, v] = i
                i += 1
        for panel, metrics in (("hot-add", [("add_state", "state", 1, 7), ("add_daxctl", "daxctl", 2, 5)]),
                               ("hot-remove", [("remove_state", "state", 1, 7), ("remove_daxctl", "daxctl", 2, 5)])):
            f.write(f'set title "{panel}"\n')
            plots = []
            for metric, nm, dt, pt in metrics:
                for v in (va, vb):
                    plots.append(f'"{data}" index {index[metric, v]} using ($1*{shift[v]}):2:3:4 '
                                 f'with yerrorlines lc rgb "{colour[v]}" dt {dt} pt {pt} '
                                 f'title "{drv.get(v, v)} {nm}"')
            f.write("plot " + ", \\\n     ".join(plots) + "\n")
        f.write("unset multiplot\n")
    try:
        subprocess.run(["gnuplot", gp], check=True, capture_output=True)
        plot = "bench.png"
        out.append(f"![{title}](bench.png)\n")
    except (OSError, subprocess.CalledProcessError) as e:
        out.append(f"No plot: gnuplot failed or is missing ({e}); ./kmem setup installs gnuplot-nox.\n")
    summary["plot"] = plot

    with open(os.path.join(d, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    with open(os.path.join(d, "report.md"), "w") as f:
        f.write("\n".join(out))
    if not summary["size"]:
        print("bench_report: no size samples: every boot failed?", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
