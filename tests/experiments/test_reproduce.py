"""experiments.reproduce: every table's configs, the written table, and each table's
smallest cell run end to end for a few steps (the pipeline, not the result)."""

import dataclasses
import json
import pathlib
import re
import shutil

import numpy as np
import pytest

from experiments import configs, reproduce, tables
from jaxgan import validation

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _configured(cell: tables.Cell):
    """The cell's config with its overrides set, as ``--config.a.b=value`` would."""
    config = configs.load(cell.config)
    for name, value in cell.overrides:
        *parents, field = name.split(".")  # --config.generator_optimizer.learning_rate=...
        node = config
        for parent in parents:
            node = node[parent]
        assert field in node, f"{cell.name}: override {name} is not a config field"
        setattr(node, field, value)
    return config


@pytest.mark.parametrize(
    "table, cell",
    [(t, c) for t in tables.TABLES.values() for c in t.cells],
    ids=lambda x: getattr(x, "name", None),
)
def test_every_cell_config_loads_and_validates(monkeypatch, table, cell):
    monkeypatch.chdir(ROOT)
    config = _configured(cell)
    assert validation.check_config(config) == []
    assert f"python -m experiments.train --config {cell.config.split(':')[0]}" in (
        (ROOT / cell.config.split(":")[0]).read_text()
    )


def test_table_names_numbers_and_cells():
    assert tables.get("1") is tables.get("toy_mode_coverage")
    with pytest.raises(ValueError, match=r"unknown table 'nope'; the tables are: 1 \(toy"):
        tables.get("nope")
    with pytest.raises(ValueError, match="has no cell 'ring8/nope'; its cells are: ring8/gan"):
        tables.get("1").cell("ring8/nope")


def test_the_main_jobs_default_is_the_recipe_row_the_readme_quotes():
    """dcgan_mnist's default recipe (``kmeans10``) is table 11's
    lr2e-3_b2_0.99_kmeans10_ema0.999_3000 row, whose seeds give the README's expected
    numbers; ``adam2e-3`` is the lr2e-3_b2_0.99 row, and differs from the earlier
    ``:main`` in Adam alone."""
    from experiments.configs import dcgan_mnist

    row = _configured(tables.RECIPE.cell("lr2e-3_b2_0.99_kmeans10_ema0.999_3000"))
    assert dcgan_mnist.get_config().to_dict() == row.to_dict()
    assert dcgan_mnist.get_config("kmeans10").to_dict() == row.to_dict()
    assert (row.label_source, row.num_classes, row.ema_decay, row.num_steps) == (
        "kmeans", 10, 0.999, 3000,
    )  # fmt: skip
    row = _configured(tables.RECIPE.cell("lr2e-3_b2_0.99"))
    assert dcgan_mnist.get_config("adam2e-3").to_dict() == row.to_dict()
    assert row.generator_optimizer.learning_rate == 2e-3 and row.discriminator_optimizer.b2 == 0.99


def test_toy_rows_give_d_the_codes_100_inputs_per_step():
    """PacGAN's code draws 100 packs of m; jaxgan's packing splits a batch into batch / m."""
    from experiments.configs import toy_mode_coverage

    for row, packs in (("gan", 100), ("pacgan2", 100), ("pacgan4", 100), ("minibatch", 100)):
        c = toy_mode_coverage.get_config(f"grid25,{row}")
        assert c.batch_size // c.packing == packs and c.batch_size % c.packing == 0


def test_list_names_every_table_with_its_cells_and_seeds(capsys):
    assert reproduce.main(["--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(tables.TABLES)
    assert lines[0].split()[:6] == ["1", "toy_mode_coverage", "12", "cells", "x", "5"]
    tricks = next(line for line in lines if " tricks " in line)
    assert tricks.startswith("10  tricks ") and "10 cells x 1 seed:" in tricks


def _fake_run(directory, modes, hq, kl, train_s):
    directory.mkdir(parents=True)
    result = {"modes_captured": modes, "high_quality_fraction": hq, "reverse_kl": kl}
    (directory / "eval.json").write_text(json.dumps(result))
    (directory / "summary.json").write_text(json.dumps({"final_step": 6000}))
    (directory / "reproduce.json").write_text(json.dumps({"train_s": train_s, "evaluate_s": 5,
                                                          "cores": 1}))  # fmt: skip


def test_non_finite_seeds_are_counted_beside_the_finite_mean_and_sd():
    column = tables.Column("reverse_kl", "reverse KL")
    # Mean and sample sd of 2.08 and 1.18 by hand: 1.63 and 0.45 * sqrt(2) = 0.636.
    assert reproduce._mean_sd([2.08, float("inf"), 1.18], column) == (  # noqa: SLF001
        "1.63 ± 0.64 (1 of 3 seeds: inf)"
    )
    assert reproduce._mean_sd([float("inf"), 0.5], column) == "0.50 (1 of 2 seeds: inf)"  # noqa: SLF001
    assert reproduce._mean_sd([float("inf")] * 2, column) == "inf (2 of 2 seeds: inf)"  # noqa: SLF001


def test_written_table_has_mean_sd_over_seeds_beside_the_paper(tmp_path):
    table = tables.get("toy_mode_coverage")
    cell = table.cell("grid25/pacgan4")
    runs = [(20.0, 0.5, 0.3, 100.0), (23.0, 0.7, 0.1, 130.0), (24.0, 0.75, 0.2, 190.0)]
    for seed, values in enumerate(runs):
        _fake_run(reproduce.run_dir(tmp_path / "w", table, cell, seed), *values)
    path = reproduce.write_table(table, workdir=tmp_path / "w", seeds=3,
                                 docs=tmp_path / "docs" / "results", command="CMD")  # fmt: skip
    text = path.read_text()
    row = next(line for line in text.splitlines() if line.startswith("| grid25/pacgan4 |"))
    modes, hq, kl = (np.array([r[i] for r in runs]) for i in range(3))
    # Sample standard deviations (ddof 1), percentages for the high-quality fraction.
    expected = [
        "grid25/pacgan4", "3",
        f"{modes.mean():.1f} ± {modes.std(ddof=1):.1f}", "24.8",
        f"{100 * hq.mean():.1f} ± {100 * hq.std(ddof=1):.1f}", "93.6",
        f"{kl.mean():.2f} ± {kl.std(ddof=1):.2f}", "0.04",
        "6,000", "2:10", "0:05",
    ]  # fmt: skip
    assert [part.strip() for part in row.strip("|").split("|")] == expected
    assert "| ring8/gan | 0 | - | 6.3 |" in text  # not run: no numbers, the paper's still shown
    assert "**Incomplete**: 33 run(s)" in text and "(3 of 36 runs finished" in text
    assert "--config experiments/configs/toy_mode_coverage.py:grid25,pacgan4" in text
    # The runs' records are kept beside the table, and the table is written from them:
    # with the workdirs gone (another machine, a new session) it is the same.
    kept = reproduce.record_dir(tmp_path / "docs" / "results", table, cell, 2)
    assert json.loads((kept / "eval.json").read_text())["modes_captured"] == 24.0
    shutil.rmtree(tmp_path / "w")
    again = reproduce.write_table(table, workdir=tmp_path / "w", seeds=3,
                                  docs=tmp_path / "docs" / "results", command="CMD")  # fmt: skip
    assert again.read_text() == text
    # A table written before the records were kept: a page and no runs/.
    (tmp_path / "docs" / "results" / "main_job.md").write_text("... `--seeds 5` ...")
    index = reproduce.write_index(tmp_path / "docs" / "results").read_text()
    assert "[Toy mode coverage (VEEGAN / PacGAN protocol)](results/toy_mode_coverage.md)" in index
    # One cell has 3 seeds and the other 11 none.
    assert "| incomplete (0-3 of the 5 seeds it asks for) |" in index
    assert "| complete; no run records (its runs predate them) |" in index
    assert "| 2 | Stacked MNIST mode coverage (1,000 modes) | not run yet |" in index


def test_the_index_names_the_classifiers_behind_each_tables_runs(tmp_path):
    docs = tmp_path / "docs" / "results"
    floors = {("energy_based", "ebgan", 0): 7.34, ("energy_based", "ebgan", 1): 8.157,
              ("energy_based", "dcgan", 0): 8.16, ("vae_baseline", "vae", 0): 8.157,
              ("vae_baseline", "vae", 1): 8.2}  # fmt: skip
    for (name, cell, seed), floor in floors.items():
        table = tables.get(name)
        directory = reproduce.record_dir(docs, table, table.cell(cell), seed)
        directory.mkdir(parents=True)
        (directory / "eval.json").write_text(
            json.dumps({"classifier_frechet_distance_real_floor": floor})
        )
    for name in ("energy_based", "vae_baseline", "toy_mode_coverage"):
        (docs / f"{name}.md").write_text("...")
    _fake_run(docs / "runs" / "toy_mode_coverage" / "ring8_gan" / "seed_0", 8, 0.5, 0.1, 1)
    index = reproduce.write_index(docs).read_text()
    # 7.34 and 8.157/8.16 round to 7.3 and 8.2: one run on the first, two on the second.
    assert ("(0-2 of the 3 seeds it asks for); classifiers: real-data floors 7.3 (1 run), "
            "8.2 (2 runs) |") in index  # fmt: skip
    assert "(0-2 of the 3 seeds it asks for); classifier: real-data floor 8.2 |" in index
    # The toy table's runs are not scored by a classifier: its state names none.
    assert "| complete (0-1 of the 5 seeds it asks for) |" in index


def test_first_pass_rows_run_and_count_only_their_own_seeds(tmp_path, monkeypatch):
    """Table 11's screening rows ask for 1 seed, its leaders and twins for 3: ``--seeds 3``
    runs seeds 0-2 of a leader and seed 0 of a screening row, and the page and the index
    count each row against its own ask."""
    table = tables.RECIPE
    ran = []

    def fake_run(train, evaluate, directory, core):
        ran.append((directory.parent.name, directory.name))
        _fake_run(directory, 0.0, 0.0, 0.0, 60.0)
        return json.loads((directory / "reproduce.json").read_text())

    monkeypatch.setattr(reproduce, "_run_one", fake_run)
    monkeypatch.setattr(reproduce, "_prepare_datasets", lambda todo: None)
    docs, work = tmp_path / "docs" / "results", tmp_path / "w"
    chosen = (table.cell("main"), table.cell("lr5e-4"))
    failures = reproduce.run_table(table, seeds=3, workdir=work, docs=docs, cells=chosen,
                                   report=lambda line: None)  # fmt: skip
    assert failures == []
    assert sorted(ran) == [("lr5e-4", "seed_0"), ("main", "seed_0"), ("main", "seed_1"),
                           ("main", "seed_2")]  # fmt: skip
    # --seeds 1 of a finished leader and a new screening row: only the new run.
    ran.clear()
    reproduce.run_table(table, seeds=1, workdir=work, docs=docs,
                        cells=(table.cell("main"), table.cell("g_lr4e-4")),
                        report=lambda line: None)  # fmt: skip
    assert ran == [("g_lr4e-4", "seed_0")]
    text = reproduce.write_table(table, workdir=work, seeds=3, docs=docs, command="CMD")
    text = text.read_text()
    # 16 rows: 5 leaders and 2 twins ask for 3 seeds, 9 screening rows for 1: 30 runs.
    assert "(5 of 30 runs finished" in text and "**Incomplete**: 25 run(s)" in text
    assert "**First pass**: 9 of the 16 rows ask for 1 seed instead of 3: `lr5e-4`, " in text
    assert "| lr5e-4 | 1 |" in text and "| main | 3 |" in text
    index = reproduce.write_index(docs).read_text()
    # Leaders and twins: main has 3, the other six 0; of 9 screening rows 7 have none.
    expected = "incomplete (0-3 of the 3 seeds it asks for; 1 seed for its 9 first-pass rows, 7"
    assert f"| {expected} of them short) |" in index


def test_a_first_pass_row_asks_for_fewer_seeds_than_its_table():
    cell = tables.Cell("a", "experiments/configs/dcgan_mnist.py", seeds=3)
    with pytest.raises(ValueError, match="cell 'a' asks for 3 seeds; a first-pass row asks for "
                                         "1 to 2 \\(fewer than the table's\\)"):  # fmt: skip
        dataclasses.replace(tables.RECIPE, cells=(cell,))
    assert tables.RECIPE.seeds_for(tables.RECIPE.cell("hinge")) == 1
    assert tables.RECIPE.seeds_for(tables.RECIPE.cell("main"), 5) == 5


@pytest.mark.parametrize(
    "argv, message",
    [
        (["nope"], "unknown table 'nope'"),
        (["1", "--cells", "ring8/x"], "has no cell 'ring8/x'"),
        (["1", "--seeds", "0"], "--seeds=0 must be >= 1"),
        ([], "name a table"),
    ],
)
def test_bad_command_lines_say_what_is_allowed(capsys, argv, message):
    try:
        status = reproduce.main(argv)
    except SystemExit as exit_:
        status = exit_.code
    assert status == 2 and message in capsys.readouterr().err


# The first cell of every table, and the PyTorch twin's cell of the main-job table.
_SMALLEST = [(t, t.cells[0]) for t in tables.TABLES.values()] + [
    (tables.MAIN_JOB, tables.MAIN_JOB.cell("plain/torch"))
]


@pytest.mark.parametrize("table, cell", _SMALLEST, ids=[f"{t.name}-{c.name}" for t, c in _SMALLEST])
def test_smallest_cell_runs_evaluates_resumes_and_writes(
    tmp_path, monkeypatch, capsys, request, cache, table, cell
):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path / "tfds"))
    if table.name != "toy_mode_coverage":
        request.getfixturevalue("mnist_classifier")  # trained once per session, in `cache`
    monkeypatch.setenv("JAXGAN_CACHE_DIR", str(cache))
    argv = [table.name, "--seeds", "1", "--cells", cell.name, "--num_steps", "2",
            "--num_samples", "64", "--workdir", str(tmp_path / "w"),
            "--docs", str(tmp_path / "docs" / "results")]  # fmt: skip
    assert reproduce.main(argv) == 0, capsys.readouterr()
    run = reproduce.run_dir(tmp_path / "w", table, cell, 0)
    result = json.loads((run / "eval.json").read_text())
    assert result["step"] == 2 and result["num_samples"] == 64
    record = json.loads((run / "reproduce.json").read_text())
    assert "--config.num_steps=2 --config.seed=0" in record["train_command"]
    assert record["train_command"].startswith(f"python -m {cell.program} --config ")
    assert (run / table.figure).exists() if table.figure else True
    row = next(
        line for line in (tmp_path / "docs" / "results" / f"{table.name}.md").read_text()
        .splitlines() if line.startswith(f"| {cell.name} |")
    )  # fmt: skip
    column = table.columns[0]
    assert f"| {result[column.metric] * column.scale:.{column.digits}f} |" in row
    kept = reproduce.record_dir(tmp_path / "docs" / "results", table, cell, 0)
    assert json.loads((kept / "eval.json").read_text()) == result
    assert (kept / table.figure).exists() if table.figure else True
    # A second invocation finds the run's record and trains nothing, even without its
    # workdir (the record is what the repository keeps).
    shutil.rmtree(tmp_path / "w")
    capsys.readouterr()
    assert reproduce.main(argv) == 0
    assert re.search(r"0 run\(s\) to do, 1 already finished", capsys.readouterr().out)
    assert not (tmp_path / "w").exists()
