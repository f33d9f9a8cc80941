"""Runs a published table's cells, evaluates them and writes docs/results/TABLE.md.

  python -m experiments.reproduce TABLE [--seeds N] [--workdir DIR] [--jobs J]
      [--cells NAME,...] [--num_steps N] [--num_samples N] [--docs DIR] [--write_only]

``TABLE`` is a name or number from ``experiments/tables.py`` (``1`` or
``toy_mode_coverage``; ``--list`` lists them). Each cell and seed trains with
``python -m experiments.train`` into ``WORKDIR/TABLE/CELL/seed_S`` (default workdir
``workdirs/reproduce``) and is scored with ``python -m experiments.evaluate``: the
exact commands are written into the table. A run with an ``eval.json`` is finished
and skipped; an interrupted one resumes from its last checkpoint, so a table can be
spread over several invocations. ``--jobs J`` runs J runs side by side, each pinned
to its own CPU core when there are enough (XLA:CPU gains little from a second core on
these small networks, so two one-core runs do twice the work of one two-core run).

``--seeds N`` (default: the table's count) runs seeds 0 to N - 1 of every cell, but a
search's first-pass rows (``Cell.seeds``, e.g. table 11's screening rows) run only the
seeds they ask for: the table is complete when each row has its own count.

Each finished run's record -- ``eval.json``, ``summary.json``, ``reproduce.json`` and,
for seed 0, the cell's figure -- is copied to ``DOCS/runs/TABLE/CELL/seed_S/``, which is
kept in the repository: the tables are written from these records, so a table can be
spread over several machines or sessions (a run with a record is finished, whether or
not its workdir is still there), and anyone can check a number against its run.

Every invocation ends by writing ``DOCS/TABLE.md`` (mean ± sd over the finished
seeds beside the paper's numbers, the budget, wall times, the commands), its figure
``DOCS/TABLE.png`` (seed 0 of every cell side by side) and the index
``DOCS/../results.md``; ``--write_only`` only writes them. ``--num_steps`` and
``--num_samples`` shrink a run for testing the pipeline (the table then says so).
"""

from __future__ import annotations

import collections
import concurrent.futures
import datetime
import json
import math
import os
import pathlib
import platform
import queue
import re
import shutil
import statistics
import subprocess
import sys
import time

from experiments import tables

RESULTS_INDEX = "results.md"
RECORD_FILES = ("eval.json", "summary.json", "reproduce.json")


# ---------------------------------------------------------------------------
# Runs.
# ---------------------------------------------------------------------------


def run_dir(workdir: pathlib.Path, table: tables.Table, cell: tables.Cell, seed: int):
    return workdir / table.name / cell.name.replace("/", "_") / f"seed_{seed}"


def record_dir(docs: pathlib.Path, table: tables.Table, cell: tables.Cell, seed: int):
    """Where a finished run's record is kept: ``DOCS/runs/TABLE/CELL/seed_S``."""
    return run_dir(docs / "runs", table, cell, seed)


def archive(table: tables.Table, cell: tables.Cell, seed: int, workdir: pathlib.Path,
            docs: pathlib.Path) -> bool:  # fmt: skip
    """Copies a finished run's record from its workdir into the docs; False if unfinished.

    A record already kept is not replaced: it is what the table was written from.
    """
    source = run_dir(workdir, table, cell, seed)
    target = record_dir(docs, table, cell, seed)
    if (target / "eval.json").exists():
        return True
    if not all((source / name).exists() for name in RECORD_FILES):
        return False
    target.mkdir(parents=True, exist_ok=True)
    names = RECORD_FILES + ((table.figure,) if table.figure and seed == 0 else ())
    for name in names:
        if (source / name).exists():
            shutil.copyfile(source / name, target / name)
    return True


def commands(
    cell: tables.Cell, seed: int, directory: pathlib.Path, *, num_steps=None, num_samples=None
) -> tuple[list[str], list[str]]:
    """The train and evaluate command lines of one run."""
    overrides = dict(cell.overrides)
    if num_steps is not None:
        overrides["num_steps"] = num_steps
    overrides["seed"] = seed
    train = ["python", "-m", cell.program, "--config", cell.config,
             "--workdir", str(directory)]  # fmt: skip
    train += [f"--config.{name}={value}" for name, value in overrides.items()]
    evaluate = ["python", "-m", "experiments.evaluate", "--workdir", str(directory)]
    if num_samples is not None:
        evaluate += [f"--num_samples={num_samples}"]
    return train, evaluate


def _run_one(train, evaluate, directory: pathlib.Path, core: int | None) -> dict:
    """Trains and evaluates one run (resuming its training), logging to ``reproduce.log``.

    Returns the run's record, also written to ``reproduce.json``: the commands, the
    times, the core count, and ``error`` (the log's last line) if a command failed.
    """
    directory.mkdir(parents=True, exist_ok=True)
    record: dict = {"train_command": " ".join(train), "evaluate_command": " ".join(evaluate)}
    record["cores"] = 1 if core is not None else len(os.sched_getaffinity(0))

    env = dict(os.environ, PYTHONUNBUFFERED="1")
    with open(directory / "reproduce.log", "a") as log:
        for phase, argv in (("train", train), ("evaluate", evaluate)):
            start = time.perf_counter()
            argv = [sys.executable, *argv[1:]]
            process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env)
            if core is not None:  # pinned from here: no preexec_fn, so no fork of this process
                os.sched_setaffinity(process.pid, {core})
            status = process.wait()
            record[f"{phase}_s"] = time.perf_counter() - start
            if status != 0:
                lines = (directory / "reproduce.log").read_text().strip().splitlines()
                record["error"] = f"{phase} exited {status}: {lines[-1] if lines else ''}"
                break
    (directory / "reproduce.json").write_text(json.dumps(record, indent=2) + "\n")
    return record


def run_table(
    table: tables.Table, *, seeds: int, workdir: pathlib.Path, docs: pathlib.Path,
    jobs: int = 1, cells: tuple[tables.Cell, ...] | None = None, num_steps=None,
    num_samples=None, report=print,
) -> list[str]:  # fmt: skip
    """Runs every (cell, seed) of ``table`` without a kept record, archiving each as it
    finishes; returns the failures' messages."""
    cells = cells or table.cells
    todo = []
    for seed in range(seeds):  # seed-major: an unfinished table still shows every cell
        for cell in cells:
            if seed < table.seeds_for(cell, seeds) and not archive(
                table, cell, seed, workdir, docs
            ):  # asked for, and no record kept nor any to keep
                todo.append((cell, seed, run_dir(workdir, table, cell, seed)))
    finished = sum(table.seeds_for(cell, seeds) for cell in cells) - len(todo)
    report(
        f"{table.name}: {len(todo)} run(s) to do, {finished} already finished, "
        f"{jobs} at a time; logs in {workdir / table.name}/*/seed_*/reproduce.log"
    )
    if not todo:
        return []
    _prepare_datasets(todo)
    cores: queue.Queue = queue.Queue()
    available = sorted(os.sched_getaffinity(0))
    for slot in range(jobs):
        cores.put(available[slot] if jobs > 1 and jobs <= len(available) else None)
    failures = []

    def work(item):
        cell, seed, directory = item
        core = cores.get()
        try:
            train, evaluate = commands(
                cell, seed, directory, num_steps=num_steps, num_samples=num_samples
            )
            return item, _run_one(train, evaluate, directory, core)
        finally:
            cores.put(core)

    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        for count, future in enumerate(
            concurrent.futures.as_completed([pool.submit(work, item) for item in todo]), 1
        ):
            (cell, seed, directory), record = future.result()
            times = (
                f"train {_clock(record.get('train_s'))}, "
                f"evaluate {_clock(record.get('evaluate_s'))}"
            )
            if "error" in record:
                failures.append(f"{cell.name} seed {seed}: {record['error']}")
                report(f"[{count}/{len(todo)}] {cell.name} seed {seed} FAILED ({times}): "
                       f"{record['error']}")  # fmt: skip
                continue
            archive(table, cell, seed, workdir, docs)
            result = json.loads((directory / "eval.json").read_text())
            shown = ", ".join(
                f"{c.header} {_number(result.get(c.metric), c)}" for c in table.columns
            )
            report(f"[{count}/{len(todo)}] {cell.name} seed {seed} ({times}): {shown}")
    return failures


def _prepare_datasets(todo) -> None:
    """Prepares each run's offline dataset once, before runs start side by side."""
    from experiments import configs
    from jaxgan.data.pipeline import load_source

    for name in sorted({configs.load(spec).dataset for spec in {c.config for c, _, _ in todo}}):
        load_source(name, "train")


# ---------------------------------------------------------------------------
# Writing the table.
# ---------------------------------------------------------------------------


def _clock(seconds) -> str:
    if seconds is None:
        return "-"
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes}:{secs:02d}"


def _number(value, column: tables.Column) -> str:
    if value is None:
        return "-"
    return f"{value * column.scale:.{column.digits}f}"


def _mean_sd(values, column: tables.Column) -> str:
    """``mean ± sd`` (sample sd) over seeds; non-finite values (a reverse KL of a run that
    captured no mode is infinite) are left out of both and counted beside them."""
    finite = [v for v in values if math.isfinite(v)]
    if len(finite) < len(values):
        odd = ", ".join(sorted({str(v) for v in values if not math.isfinite(v)}))
        shown = _mean_sd(finite, column) if finite else odd
        return f"{shown} ({len(values) - len(finite)} of {len(values)} seeds: {odd})"
    if len(values) < 2:
        return _number(values[0] if values else None, column)
    scaled = [v * column.scale for v in values]
    mean = statistics.fmean(scaled)
    return f"{mean:.{column.digits}f} ± {statistics.stdev(scaled):.{column.digits}f}"


def collect(table: tables.Table, docs: pathlib.Path, seeds: int) -> dict[str, list[dict]]:
    """``cell name -> [run records]`` of the runs kept in ``docs`` (``eval``, ``summary``,
    ``record`` and the record's ``directory``)."""
    found: dict[str, list[dict]] = {}
    for cell in table.cells:
        runs = []
        for seed in range(table.seeds_for(cell, seeds)):
            directory = record_dir(docs, table, cell, seed)
            paths = [directory / name for name in RECORD_FILES]
            if all(p.exists() for p in paths):
                evaluation, summary, record = (json.loads(p.read_text()) for p in paths)
                runs.append({"seed": seed, "eval": evaluation, "summary": summary,
                             "record": record, "directory": directory})  # fmt: skip
        found[cell.name] = runs
    return found


def write_table(
    table: tables.Table, *, workdir: pathlib.Path, seeds: int, docs: pathlib.Path,
    command: str,
) -> pathlib.Path:  # fmt: skip
    """Writes ``docs/TABLE.md`` (and ``TABLE.png``) from the runs kept in ``docs/runs``,
    archiving first any finished run in ``workdir`` that has no record yet."""
    for cell in table.cells:
        for seed in range(table.seeds_for(cell, seeds)):
            archive(table, cell, seed, workdir, docs)
    runs = collect(table, docs, seeds)
    docs.mkdir(parents=True, exist_ok=True)
    complete = sum(len(r) for r in runs.values())
    wanted = sum(table.seeds_for(cell, seeds) for cell in table.cells)
    lines = [f"# Table {table.number}: {table.title}", ""]
    lines += [
        f"Produced by `{command}` ({complete} of {wanted} runs finished; "
        f"{platform.machine()}, {os.cpu_count()} CPU cores, written "
        f"{datetime.date.today().isoformat()}).",
        "",
    ]
    if complete < wanted:
        lines += [
            f"**Incomplete**: {wanted - complete} run(s) have not finished yet; the same "
            "command resumes them.",
            "",
        ]
    first = [cell for cell in table.first_pass() if table.seeds_for(cell, seeds) < seeds]
    if first:
        asked = _counts(table.seeds_for(cell, seeds) for cell in first)
        lines += [
            f"**First pass**: {len(first)} of the {len(table.cells)} rows ask for {asked} "
            f"seed{'s' if asked != '1' else ''} instead of {seeds}: "
            f"{', '.join(f'`{cell.name}`' for cell in first)}.",
            "",
        ]
    # A paper column only where the paper has a number for some cell.
    quoted = {c.metric for c in table.columns if any(cell.paper_value(c.metric) is not None
                                                     for cell in table.cells)}  # fmt: skip
    header = ["cell", "seeds"]
    for column in table.columns:
        header += [column.header] + ([f"paper {column.header}"] if column.metric in quoted else [])
    header += ["steps", "train / run", "evaluate / run"]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for cell in table.cells:
        cell_runs = runs[cell.name]
        row = [cell.name, str(len(cell_runs))]
        for column in table.columns:
            values = [r["eval"][column.metric] for r in cell_runs if column.metric in r["eval"]]
            paper = cell.paper_value(column.metric)
            row.append(_mean_sd(values, column))
            if column.metric in quoted:
                row.append("-" if paper is None else f"{paper:.{column.digits}f}")
        steps = sorted({r["summary"]["final_step"] for r in cell_runs})
        row.append(", ".join(f"{s:,}" for s in steps) or "-")
        for key in ("train_s", "evaluate_s"):
            times = [r["record"][key] for r in cell_runs if key in r["record"]]
            row.append(_clock(statistics.median(times)) if times else "-")
        lines.append("| " + " | ".join(row) + " |")
    cores = sorted({r["record"].get("cores") for rs in runs.values() for r in rs} - {None})
    lines += [
        "",
        f"Mean ± sample standard deviation over the finished seeds. Paper: "
        f"{table.paper_source}. "
        f"Times are medians per run, with {', '.join(map(str, cores)) or '?'} CPU core(s) "
        "per run.",
        "",
        table.notes,
        "",
    ]
    if table.figure and _figure(table, runs, docs / f"{table.name}.png"):
        lines += [f"![seed 0 of every cell]({table.name}.png)", ""]
    if table.plot and _PLOTS[table.plot](table, runs, docs / f"{table.name}.png"):
        lines += [f"![{table.plot.replace('_', ' ')}]({table.name}.png)", ""]
    lines += ["## Commands", "", "Each cell, for seed S (0, 1, ...):", "", "```"]
    for cell in table.cells:
        train, evaluate = commands(cell, 0, pathlib.Path(f"DIR/{cell.name.replace('/', '_')}"))
        lines.append(" ".join(train).replace("--config.seed=0", "--config.seed=S"))
    lines += ["python -m experiments.evaluate --workdir DIR/CELL", "```", ""]
    path = docs / f"{table.name}.md"
    path.write_text("\n".join(lines))
    return path


def _figure(table: tables.Table, runs, path: pathlib.Path) -> bool:
    """Puts seed 0's ``table.figure`` of every cell side by side; False if none exists."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.image
    import matplotlib.pyplot as plt

    pictures = []
    for cell in table.cells:
        first = [r for r in runs[cell.name] if r["seed"] == 0]
        picture = first[0]["directory"] / table.figure if first else None
        pictures.append((cell.name, picture if picture and picture.exists() else None))
    if not any(p for _, p in pictures):
        return False
    columns = min(6, len(pictures))
    rows = -(-len(pictures) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(2.6 * columns, 2.8 * rows), squeeze=False)
    for axis in axes.ravel():
        axis.axis("off")
    for axis, (name, picture) in zip(axes.ravel(), pictures, strict=False):
        axis.set_title(name, fontsize=8)
        if picture is not None:
            axis.imshow(matplotlib.image.imread(picture))
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True


def _plot_divergence_estimates(table: tables.Table, runs, path: pathlib.Path) -> bool:
    """Table 6's figure: per loss, the true divergence and D's readings against steps."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # The first three columns are JS readings, the last three W1 readings.
    metrics_of = [c.metric for c in table.columns]
    panels = (("gan", "JS (nats)", metrics_of[:3]), ("wgan_gp", "W1", metrics_of[3:]))
    labels = {c.metric: c.header for c in table.columns}
    if not any(runs.values()):
        return False
    figure, axes = plt.subplots(1, len(panels), figsize=(10, 3.8))
    for axis, (row, ylabel, metrics) in zip(axes, panels, strict=True):
        for metric in metrics:
            points = []
            for cell in table.cells:
                values = [r["eval"][metric] for r in runs[cell.name] if metric in r["eval"]]
                if cell.name.startswith(f"{row}/") and values:
                    points.append((dict(cell.overrides)["num_steps"], values))
            if points:
                steps = [p[0] for p in points]
                means = [statistics.fmean(p[1]) for p in points]
                spreads = [statistics.stdev(p[1]) if len(p[1]) > 1 else 0.0 for p in points]
                axis.errorbar(steps, means, yerr=spreads, marker="o", capsize=3,
                              label=labels[metric])  # fmt: skip
        axis.set_xscale("log")
        axis.set_xlabel("generator steps")
        axis.set_ylabel(ylabel)
        axis.set_title(row)
        axis.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True


_PLOTS = {"divergence_estimates": _plot_divergence_estimates}


def _counts(counts) -> str:
    """The distinct seed counts of some rows, as ``1`` or ``1/2``."""
    return "/".join(str(n) for n in sorted(set(counts)))


def _seeds_state(table: tables.Table, counts: list[int]) -> str:
    """How far the cells' seed ``counts`` are from what the table asks for, e.g.
    `` (1-2 of the 3 seeds it asks for; 1 seed for its 9 first-pass rows)``; empty
    when every full row has them all and the table has no first-pass rows."""
    rows = list(zip(counts, table.cells, strict=True))
    full = [n for n, cell in rows if cell.seeds is None]
    parts = []
    if full and min(full) < table.seeds:
        fewest, most = min(full), max(full)
        seeds = f"{fewest}" if fewest == most else f"{fewest}-{most}"
        parts.append(f"{seeds} of the {table.seeds} seeds it asks for")
    first = [(n, cell) for n, cell in rows if cell.seeds is not None]
    if first:
        asked = _counts(cell.seeds for _, cell in first)
        part = f"{asked} seed{'s' if asked != '1' else ''} for its {len(first)} first-pass rows"
        short = sum(n < cell.seeds for n, cell in first)
        parts.append(part + (f", {short} of them short" if short else ""))
    return f" ({'; '.join(parts)})" if parts else ""


def _classifiers_state(records: pathlib.Path) -> str:
    """Which digit classifiers scored the runs kept in ``records``, named by their
    real-data floor to 0.1, e.g. ``; classifier: real-data floor 8.2`` or
    ``; classifiers: real-data floors 7.3 (4 runs), 8.2 (8 runs)``; empty if none did."""
    floors = collections.Counter()
    for path in sorted(records.glob("**/eval.json")):
        floor = json.loads(path.read_text()).get("classifier_frechet_distance_real_floor")
        if floor is not None:
            floors[f"{floor:.1f}"] += 1
    if not floors:
        return ""
    if len(floors) == 1:
        return f"; classifier: real-data floor {next(iter(floors))}"
    ordered = sorted(floors.items(), key=lambda item: float(item[0]))
    runs = ", ".join(f"{floor} ({n} run{'s' if n > 1 else ''})" for floor, n in ordered)
    return f"; classifiers: real-data floors {runs}"


def write_index(docs: pathlib.Path) -> pathlib.Path:
    """Writes ``results.md`` beside ``docs``: every table, its state and its gaps."""
    lines = [
        "# Published results, reproduced",
        "",
        "Each table is produced by `python -m experiments.reproduce TABLE` (runs resume; "
        "see its `--help`) on this repository's offline data; each states its budget and "
        "where its protocol differs from the paper's. A run's record (eval.json, "
        f"summary.json, reproduce.json) is kept in `{docs.name}/runs/TABLE/`; tables whose "
        "runs predate the records say so.",
        "",
        "The digit classifier that scores the MNIST tables is trained once per cache "
        "directory (`$JAXGAN_CACHE_DIR`), and caches made in different settings (other "
        "cores, other sessions; the cause is not pinned down) gave classifiers with real-data "
        "floors of 7.3, 8.0, 8.2 and 8.3 for the same seed. The state below names the "
        "classifiers behind each table's kept runs by their real-data floor, and a table's "
        "floor column names the one behind each row; compare distances across rows or "
        "tables only where it is the same.",
        "",
        "| # | table | state |",
        "|---|---|---|",
    ]
    for table in tables.TABLES.values():
        page = docs / f"{table.name}.md"
        if page.exists():
            text = page.read_text()
            state = "incomplete" if "**Incomplete**" in text else "complete"
            records = docs / "runs" / table.name
            per_cell = collections.Counter(path.parent for path in records.glob("**/seed_*"))
            if per_cell:  # a cell without records has 0 seeds
                counts = [per_cell[record_dir(docs, table, cell, 0).parent] for cell in table.cells]
            else:  # a page written before the records
                asked = re.search(r"--seeds (\d+)", text)
                counts = [int(asked.group(1)) if asked else table.seeds] * len(table.cells)
            state += _seeds_state(table, counts)
            if not records.is_dir():
                state += "; no run records (its runs predate them)"
            state += _classifiers_state(records)
            link = f"[{table.title}]({docs.name}/{table.name}.md)"
        else:
            state, link = "not run yet", table.title
        lines.append(f"| {table.number} | {link} | {state} |")
    lines += [""]
    for table in tables.TABLES.values():
        lines += [f"## {table.number}. {table.title}", "", table.notes, ""]
    path = docs.parent / RESULTS_INDEX
    path.write_text("\n".join(lines))
    return path


# ---------------------------------------------------------------------------
# Command line.
# ---------------------------------------------------------------------------


def parse_args(argv):
    from experiments import cli

    parser = cli.argument_parser("python -m experiments.reproduce", __doc__)
    parser.add_argument("table", nargs="?", help="a table's name or number")
    parser.add_argument("--list", action="store_true", help="list the tables and exit")
    parser.add_argument(
        "--seeds",
        type=int,
        help="seeds per cell (default: the table's; a first-pass row runs at most its own)",
    )
    parser.add_argument("--workdir", default="workdirs/reproduce")
    parser.add_argument("--jobs", type=int, default=1, help="runs side by side")
    parser.add_argument("--cells", help="comma-separated cell names (default: all)")
    parser.add_argument("--num_steps", type=int, help="override every run's steps")
    parser.add_argument("--num_samples", type=int, help="override the evaluation's samples")
    parser.add_argument(
        "--docs", default="docs/results", help="where TABLE.md and the runs' records go"
    )
    parser.add_argument("--write_only", action="store_true", help="only write the table")
    args = parser.parse_args(argv)
    if args.list:
        return args
    problems = []
    if args.table is None:
        problems.append("name a table (--list lists them)")
    for name in ("seeds", "jobs", "num_steps", "num_samples"):
        value = getattr(args, name)
        if value is not None and value < 1:
            problems.append(f"--{name}={value} must be >= 1")
    if problems:
        parser.error("; ".join(problems))
    return args


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.list:
        for table in tables.TABLES.values():
            cells = len(table.cells)
            seeds = f"{table.seeds} seed{'s' if table.seeds > 1 else ''}"
            if first := table.first_pass():
                seeds += (
                    f" ({_counts(cell.seeds for cell in first)} for {len(first)} first-pass rows)"
                )
            print(f"{table.number:<3d} {table.name:24s} {cells} cells x {seeds}: {table.title}")
        return 0
    try:
        table = tables.get(args.table)
        chosen = tuple(table.cell(name) for name in args.cells.split(",")) if args.cells else None
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    seeds = args.seeds or table.seeds
    workdir, docs = pathlib.Path(args.workdir), pathlib.Path(args.docs)
    failures = []
    if not args.write_only:
        failures = run_table(
            table, seeds=seeds, workdir=workdir, docs=docs, jobs=args.jobs, cells=chosen,
            num_steps=args.num_steps, num_samples=args.num_samples,
        )  # fmt: skip
    command = f"python -m experiments.reproduce {table.name} --seeds {seeds}"
    if args.num_steps:
        command += f" --num_steps {args.num_steps}"
    if args.num_samples:
        command += f" --num_samples {args.num_samples}"
    path = write_table(table, workdir=workdir, seeds=seeds, docs=docs, command=command)
    index = write_index(docs)
    print(f"wrote {path} and {index}")
    for failure in failures:
        print(f"failed: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
