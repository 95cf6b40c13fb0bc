"""Issue 20, target 7: the cold CI's time per landing against the 25-minute budget.

The times are not measured here: they are what the project's CI (a fresh machine, nothing
installed, an empty compiler cache) took for each stop, as `issues stops` reports them,
recorded in bench/results/ci.json. This draws docs/benchmarks-ci.png from that file."""
import json
import pathlib
import sys

REPO = pathlib.Path(__file__).resolve().parent.parent


def main() -> int:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = json.loads((REPO / "bench" / "results" / "ci.json").read_text())
    stops = data["stops"]
    labels = [f"{s['stop']}" + (f"\n{s['commit']}" if "commit" in s else "") for s in stops]
    minutes = [s["seconds"] / 60 for s in stops]
    target = data["target_s"] / 60
    fig, ax = plt.subplots(figsize=(9, 3.4))
    colors = ["C2" if m <= target else "C3" for m in minutes]
    ax.bar(labels, minutes, color=colors)
    ax.axhline(target, color="black", linestyle="--", linewidth=1)
    ax.text(len(stops) - 0.5, target + 0.4, f"target {target:.0f} min", ha="right", fontsize=8)
    for i, m in enumerate(minutes):
        ax.text(i, m + 0.3, f"{m:.1f}", ha="center", fontsize=7)
    ax.set_ylabel("minutes")
    ax.set_xlabel("stop (landing) and commit")
    ax.set_title("cold CI (`bash .ci/run` on a fresh machine) per landing")
    ax.tick_params(axis="x", labelsize=7)
    fig.tight_layout()
    out = REPO / "docs" / "benchmarks-ci.png"
    fig.savefig(out, dpi=90)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
