"""Turns a results dict of run_bench.py into Markdown tables and a PNG chart."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402,F401

import cost  # noqa: E402
import queries  # noqa: E402

MIB = 1024 * 1024


def _f(v, fmt="{:.2f}", missing="n/a"):
    return missing if v is None else fmt.format(v)


def markdown(res):
    m, lines = res["meta"], []
    what = f"input {m['input']}" if m.get("input_override") else f"scale {m['scale']:g}"
    lines.append(f"Run {m['date']} ({m['mode']}), commit `{m['commit']}`: {what} "
                 f"({m['raw_lines']:,} raw lines, {m['raw_bytes'] / 1e6:,.0f} MB of text), "
                 f"{m['threads']} threads for every engine, {m['runs']} run(s) each, median shown. "
                 f"Machine: {m['cpu']}, {m['nproc']} cores, {m['mem_gib']:.0f} GiB.")
    lines.append("")
    lines.append("| engine | wall s (median) | M lines/s | peak RSS MiB | output MB "
                 "| time vs sensorlake | rows | rows = sensorlake | same values | contract |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|:-:|:-:|:-:|")
    for name, e in res["engines"].items():
        if e.get("skipped"):
            lines.append(f"| {name} | skipped: {e['skipped']} | | | | | | | | |")
            continue
        if e.get("error"):
            lines.append(f"| {name} | failed: {e['error']} | | | | | | | | |")
            continue
        ratio = e.get("ratio_to_sensorlake")
        lines.append(
            f"| {name} | {e['median_s']:.2f} | {(e.get('lines_per_s') or 0) / 1e6:.2f} "
            f"| {e['max_rss_kb'] / 1024:.0f} "
            f"| {_f(e.get('output_bytes') and e['output_bytes'] / 1e6, '{:.1f}')} "
            f"| {_f(ratio, '{:.2f}x')} | {_f(e.get('rows'), '{:,}')} "
            f"| {_yn(e.get('rows_match'))} | {_yn(e.get('values_match'))} "
            f"| {'ok' if not e.get('problems') else 'see notes'} |")
    floor = res.get("parse_floor")
    if floor:
        lines.append("")
        lines.append(
            f"Parse floor (`bench/parse_floor.cc`, read + parse every line, nothing else): "
            f"{floor['threads']} threads {floor['median_s']:.2f} s "
            f"({floor['lines'] / floor['median_s'] / 1e6:.1f} M lines/s), 1 thread "
            f"{_f(floor.get('median_s_1thread'))} s; lines {floor['lines']:,}, checksum "
            f"`{floor['checksum']}`. sensorlake transform = "
            f"{_f(floor.get('transform_multiple'), '{:.2f}x')} "
            f"the {floor['threads']}-thread floor.")
    problems = [(n, p) for n, e in res["engines"].items() for p in e.get("problems", [])]
    if problems:
        lines.append("")
        lines.append("Notes from the output checks:")
        for n, p in problems[:20]:
            lines.append(f"- {n}: {p}")
    lines += ["", "#### Targets (reported, not asserted)", "",
              "| target | measured | met |", "|---|---|:-:|"]
    for t in res.get("targets", []):
        lines.append(f"| {t['target']} | {t['measured']} | {_met(t['met'])} |")
    q = res.get("queries")
    if q:
        labels = q["labels"]
        lines += ["", f"#### Queries: DuckDB over each output (median of {q['runs']}, warm cache; "
                  "MB read = DuckDB profiler `io.total_bytes_read`)", ""]
        head = "| query |" + "".join(
            f" {label}: ms | {label}: MB read | {label}: row groups |" for label in labels)
        lines += [head + " same answer |", "|---|" + "---:|---:|---:|" * len(labels) + ":-:|"]
        for name, by in q["results"].items():
            row = f"| {name} |"
            for label in labels:
                e = by[label]
                row += (f" {e['median_s'] * 1000:.1f} "
                        f"| {_f(e['bytes_read'] and e['bytes_read'] / 1e6, '{:.2f}')} "
                        f"| {e['row_groups_scanned']}/{e['row_groups_total']} |")
            lines.append(row + f" {_yn(q['agree'][name])} |")
        lines.append("")
        lines.append(f"Query parameters: {q['params']}.")
    s = res.get("scaling")
    if s:
        engines = sorted({e for p in s for e in p["engines"]}, key=_engine_order)
        lines += ["", "#### Scaling (median wall s / peak RSS MiB / output MB)", "",
                  "| scale | raw lines |" + "".join(f" {e} |" for e in engines),
                  "|---:|---:|" + "---:|" * len(engines)]
        for p in s:
            row = f"| {p['scale']:g} | {p['raw_lines']:,} |"
            for e in engines:
                v = p["engines"].get(e)
                out = (f" / {v['output_bytes'] / 1e6:.0f}" if v and v.get("output_bytes")
                       else "")
                row += (f" {v['median_s']:.2f} s / {v['max_rss_kb'] / 1024:.0f}{out} |"
                        if v and "median_s" in v else " n/a |")
            lines.append(row)
        lines += _growth_per_10x(s, engines)
    c = res.get("cost")
    if c:
        a = c["assumptions"]
        lines += ["", f"#### Cost on EMR ({a['instance']} task nodes, {a['prices_as_of']}; "
                  f"on-demand ${a['ec2_on_demand_usd_h']}/h, spot ${a['ec2_spot_usd_h']}/h, "
                  f"EMR uplift ${a['emr_uplift_usd_h']}/h)", "",
                  "| engine | vCPU-s for the dataset | 1x on-demand | 1x spot "
                  "| 10x on-demand | 10x spot |",
                  "|---|---:|---:|---:|---:|---:|"]
        for r in c["rows"]:
            lines.append(f"| {r['engine']} | {r['vcpu_s']:.0f} "
                         f"| ${r['on_demand_1x']:.5f} | ${r['spot_1x']:.5f} "
                         f"| ${r['on_demand_10x']:.4f} | ${r['spot_10x']:.4f} |")
        lines.append("")
        lines.append("Compute only (per-second billing, linear scaling). "
                     "A transient cluster's floor "
                     f"(primary + 1 task node, {a['cluster_minutes']} min) costs "
                     f"${a['fixed_overhead_usd']:.3f} and dominates at this size; "
                     "see `bench/cost.py`.")
    return "\n".join(lines) + "\n"


def _growth_per_10x(points, engines):
    """Each engine's time and peak RSS growth from one scale to the scale 10x as large."""
    by_scale = {p["scale"]: p["engines"] for p in points}
    pairs = [(a, a * 10) for a in sorted(by_scale) if a * 10 in by_scale]
    if not pairs:
        return []
    lines = ["", "Growth per 10x of data (time ratio / peak RSS ratio):", "",
             "| from -> to |" + "".join(f" {e} |" for e in engines),
             "|---|" + "---:|" * len(engines)]
    for a, b in pairs:
        row = f"| {a:g} -> {b:g} |"
        for e in engines:
            x, y = by_scale[a].get(e, {}), by_scale[b].get(e, {})
            row += (f" {y['median_s'] / x['median_s']:.1f}x / "
                    f"{y['max_rss_kb'] / x['max_rss_kb']:.1f}x |"
                    if "median_s" in x and "median_s" in y else " n/a |")
        lines.append(row)
    return lines


def _yn(v):
    return "n/a" if v is None else ("yes" if v else "**no**")


def _met(v):
    return "n/a" if v is None else ("met" if v else "**missed**")


ORDER = ["sensorlake", "duckdb", "polars", "pyspark", "pandas"]


def _engine_order(name):
    return ORDER.index(name) if name in ORDER else len(ORDER)


def chart(res, path):
    fig, axes = plt.subplots(2, 3, figsize=(16, 9))
    ok = {n: e for n, e in res["engines"].items() if "median_s" in e}
    names = list(ok)
    colors = ["#1f77b4" if n == "sensorlake" else "#999999" for n in names]
    m = res["meta"]

    def bars(ax, values, title, fmt):
        b = ax.bar(names, values, color=colors)
        ax.bar_label(b, labels=[fmt.format(v) for v in values], fontsize=8)
        ax.set_title(title, fontsize=10)
        ax.tick_params(axis="x", labelsize=8)

    bars(axes[0][0], [ok[n]["median_s"] for n in names],
         "transform wall time, s (log scale)", "{:.2f}")
    axes[0][0].set_yscale("log")
    axes[0][0].yaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
    floor = res.get("parse_floor")
    if floor:
        axes[0][0].axhline(floor["median_s"], color="red", ls="--", lw=1)
        axes[0][0].text(len(names) - 0.5, floor["median_s"], "parse floor", color="red", fontsize=8,
                        ha="right", va="bottom")
    bars(axes[0][1], [ok[n]["max_rss_kb"] / 1024 for n in names], "peak RSS, MiB", "{:.0f}")
    axes[0][1].axhline(1024, color="red", ls="--", lw=1)
    bars(axes[0][2], [(ok[n].get("output_bytes") or 0) / 1e6 for n in names],
         "output Parquet, MB", "{:.1f}")

    q = res.get("queries")
    if not q:
        axes[1][0].axis("off")
        axes[1][1].axis("off")
    if q:
        qn = list(q["results"])
        width = 0.8 / len(q["labels"])
        for i, label in enumerate(q["labels"]):
            xs = [j + i * width for j in range(len(qn))]
            axes[1][0].bar(xs, [q["results"][n][label]["median_s"] * 1000 for n in qn],
                           width, label=label)
            axes[1][1].bar(xs, [(q["results"][n][label]["bytes_read"] or 0) / 1e6 for n in qn],
                           width, label=label)
        for ax, t in ((axes[1][0], "query time, ms (DuckDB)"),
                      (axes[1][1], "query MB read (DuckDB profiler)")):
            ax.set_xticks([j + width * (len(q["labels"]) - 1) / 2 for j in range(len(qn))])
            ax.set_xticklabels([n.split("_")[0] for n in qn], fontsize=8)
            ax.set_title(t, fontsize=10)
            ax.legend(fontsize=8)
    s = res.get("scaling")
    if not s:
        axes[1][2].axis("off")
    if s:
        ax = axes[1][2]
        ax2 = ax.twinx()
        engines = sorted({e for p in s for e in p["engines"]}, key=_engine_order)
        for e in engines:
            pts = [(p["scale"], p["engines"][e]) for p in s
                   if "median_s" in p["engines"].get(e, {})]
            if not pts:
                continue
            style = "-o" if e == "sensorlake" else "--."
            ax.plot([x for x, _ in pts], [v["median_s"] for _, v in pts], style, label=f"{e} time")
            if e == "sensorlake":
                ax2.plot([x for x, _ in pts], [v["max_rss_kb"] / 1024 for _, v in pts], ":s",
                         color="tab:red", label="sensorlake peak RSS")
        ax.set_xscale("log")
        ax.set_yscale("log")
        xs = sorted({p["scale"] for p in s})
        ax.set_xticks(xs, [f"{x:g}" for x in xs])
        ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
        ax.yaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
        ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set_xlabel("scale (1 = 15.6 M lines)")
        ax.set_ylabel("wall s")
        ax2.set_ylabel("sensorlake peak RSS, MiB", color="tab:red")
        ax2.axhline(1024, color="tab:red", lw=0.5)
        ax.set_title("scaling", fontsize=10)
        h1, l1 = ax.get_legend_handles_labels()
        h2, l2 = ax2.get_legend_handles_labels()
        ax.legend(h1 + h2, l1 + l2, fontsize=7, loc="lower right")
    fig.suptitle(f"sensorlake vs peers: scale {m['scale']:g} ({m['raw_lines']:,} lines), "
                 f"{m['threads']} threads, {m['mode']}, {m['date']}", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


__all__ = ["markdown", "chart", "cost", "queries", "MIB"]
