"""Turns ``experiments.benchmark --json`` lines into a Markdown table and a bar plot.

python -m experiments.benchmark --model dcgan28 --compare torch --json >> results.jsonl
python -m experiments.benchmark_report results.jsonl docs/benchmarks_table.md docs/benchmarks.png
"""

from __future__ import annotations

import json
import sys


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 3:
        print(
            "usage: python -m experiments.benchmark_report RESULTS.jsonl TABLE.md PLOT.png",
            file=sys.stderr,
        )
        return 2
    rows = [json.loads(line) for line in open(argv[0]) if line.strip()]
    lines = [
        "| model | framework | convolutions | strategy | devices | batch | steps/s | images/s | "
        "compile s | GFLOP/step | % matmul peak | ratio |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        flops = row.get("flops_per_step")
        fraction = row.get("fraction_of_matmul_peak")
        ratio = (
            f"{row['ratio_vs_torch']:.2f}x torch"
            if row.get("ratio_vs_torch")
            else f"{row['ratio_vs_single']:.2f}x single"
            if row.get("ratio_vs_single")
            else "-"
        )
        compile_s = f"{row.get('compile_s', float('nan')):.1f}"
        if row.get("compilation_cache"):  # loaded from JAX's persistent cache, not compiled
            compile_s += " (cached)"
        lines.append(
            f"| {row['model']} | {row['framework']} | {row.get('conv_implementation', '-')} | "
            f"{row.get('strategy', '-')} | "
            f"{row.get('devices', '-')} | {row['batch_size']} | {row['steps_per_s']:.2f} | "
            f"{row['images_per_s']:.0f} | {compile_s} | "
            f"{flops / 1e9 if flops else float('nan'):.2f} | "
            f"{100 * fraction if fraction else float('nan'):.0f} | "
            f"{ratio} |"
        )
    with open(argv[1], "w") as f:
        f.write("\n".join(lines) + "\n")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    single = [r for r in rows if r.get("strategy") in (None, "single")]
    models = sorted({r["model"] for r in single})
    fig, ax = plt.subplots(figsize=(7, 4))
    series = (
        ("jax", "auto", "jaxgan (default: reformulated convolutions on CPU)"),
        ("jax", "xla", "jaxgan with XLA's convolutions"),
        ("torch", None, "PyTorch"),
    )
    width = 0.8 / len(series)
    for index, (framework, convolutions, label) in enumerate(series):
        values = [
            next(
                (
                    r["images_per_s"]
                    for r in single
                    if r["model"] == m
                    and r["framework"].startswith(framework)
                    and r.get("conv_implementation", "auto") == (convolutions or "auto")
                ),
                0,
            )
            for m in models
        ]
        offset = (index - (len(series) - 1) / 2) * width
        ax.bar([i + offset for i in range(len(models))], values, width, label=label)
    ax.set_xticks(range(len(models)), models)
    ax.set_ylabel("images / s")
    ax.set_yscale("log")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3)
    ax.set_title("Train-step throughput, 2-core CPU")
    fig.tight_layout()
    fig.savefig(argv[2], dpi=100)
    return 0


if __name__ == "__main__":
    sys.exit(main())
