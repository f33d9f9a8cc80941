"""The published tables that ``experiments.reproduce`` runs: cells, metrics and the papers' numbers.

A table is data: its cells (a config, an argument and the overrides that set its
budget), the metrics of ``eval.json`` it shows, the numbers the papers print for the
same cells, and the protocol notes that ``docs/results/TABLE.md`` states. Running and
writing live in :mod:`experiments.reproduce`.
"""

from __future__ import annotations

import dataclasses

__all__ = ["Cell", "Column", "TABLES", "Table", "get"]


@dataclasses.dataclass(frozen=True)
class Column:
    """A metric of ``eval.json`` shown as ``mean ± sd`` over seeds.

    ``scale`` multiplies it (100 for percentages); ``digits`` are the decimals shown.
    """

    metric: str
    header: str
    digits: int = 2
    scale: float = 1.0


@dataclasses.dataclass(frozen=True)
class Cell:
    """One row of a table: a config (``path.py`` or ``path.py:ARG``) and its overrides.

    ``paper`` maps a column's metric to the number the paper prints for this row
    (already in the column's units); rows the paper does not have leave it empty.
    """

    name: str
    config: str
    overrides: tuple[tuple[str, object], ...] = ()
    paper: tuple[tuple[str, float], ...] = ()

    def paper_value(self, metric: str) -> float | None:
        return dict(self.paper).get(metric)


@dataclasses.dataclass(frozen=True)
class Table:
    """A table of ``cells`` x ``columns``, ``seeds`` runs per cell by default.

    ``figure`` names the picture each run writes (``points.png``, ``samples.png``) that
    the table's figure puts side by side (seed 0 of every cell); ``notes`` is the
    protocol, the budget and where they differ from the paper, in Markdown.
    """

    name: str
    number: int
    title: str
    cells: tuple[Cell, ...]
    columns: tuple[Column, ...]
    seeds: int
    paper_source: str
    notes: str
    figure: str | None = None

    def cell(self, name: str) -> Cell:
        for cell in self.cells:
            if cell.name == name:
                return cell
        raise ValueError(
            f"table {self.name!r} has no cell {name!r}; its cells are: "
            f"{', '.join(c.name for c in self.cells)}"
        )


# ---------------------------------------------------------------------------
# Table 1: toy mode coverage.
# ---------------------------------------------------------------------------

TOY_STEPS = 6000
_TOY_CONFIG = "experiments/configs/toy_mode_coverage.py"
_TOY_ROWS = {
    "gan": "GAN",
    "minibatch": "minibatch discrimination",
    "pacgan2": "PacGAN2",
    "pacgan4": "PacGAN4",
    "unrolled5": "unrolled GAN (5 steps)",
    "wgan_gp": "WGAN-GP",
}
# Means as printed in PacGAN Table 1 (10 runs each; rows GAN, PacGAN2, PacGAN4) and
# VEEGAN Table 1 (unrolled GAN). Modes of 8 / 25, high-quality %, reverse KL.
_TOY_PAPER = {
    ("ring8", "gan"): {"modes_captured": 6.3, "high_quality_fraction": 98.2, "reverse_kl": 0.45},
    ("ring8", "pacgan2"): {
        "modes_captured": 7.9,
        "high_quality_fraction": 95.6,
        "reverse_kl": 0.07,
    },  # fmt: skip
    ("ring8", "unrolled5"): {"modes_captured": 7.6, "high_quality_fraction": 35.6},
    ("grid25", "gan"): {
        "modes_captured": 17.3,
        "high_quality_fraction": 94.8,
        "reverse_kl": 0.70,
    },  # fmt: skip
    ("grid25", "pacgan2"): {
        "modes_captured": 23.8,
        "high_quality_fraction": 91.3,
        "reverse_kl": 0.13,
    },  # fmt: skip
    ("grid25", "pacgan4"): {
        "modes_captured": 24.8,
        "high_quality_fraction": 93.6,
        "reverse_kl": 0.04,
    },  # fmt: skip
    ("grid25", "unrolled5"): {"modes_captured": 23.6, "high_quality_fraction": 16.0},
}

TOY_MODE_COVERAGE = Table(
    name="toy_mode_coverage",
    number=1,
    title="Toy mode coverage (VEEGAN / PacGAN protocol)",
    cells=tuple(
        Cell(
            name=f"{dataset}/{row}",
            config=f"{_TOY_CONFIG}:{dataset},{row}",
            overrides=(("num_steps", TOY_STEPS),),
            paper=tuple(_TOY_PAPER.get((dataset, row), {}).items()),
        )
        for dataset in ("ring8", "grid25")
        for row in _TOY_ROWS
    ),
    columns=(
        Column("modes_captured", "modes", digits=1),
        Column("high_quality_fraction", "high quality %", digits=1, scale=100.0),
        Column("reverse_kl", "reverse KL", digits=2),
    ),
    seeds=5,
    paper_source=(
        "Lin et al., PacGAN, 2018, Table 1 (GAN, PacGAN2, PacGAN4; 10 runs); Srivastava "
        "et al., VEEGAN, 2017, Table 1 (unrolled GAN). Neither paper has a WGAN-GP row; "
        "PacGAN's minibatch-discrimination row is not quoted here"
    ),
    notes=f"""\
**Protocol.** The PacGAN authors' code (fjxmlzn/PacGAN,
`synthetic_data_experiments/*_GAN&PacGAN/config.py`) defines the data, the networks
and the optimiser; `experiments/configs/toy_mode_coverage.py` follows it: ring8 is 8
Gaussians of sigma 0.01 on the unit circle and grid25 is 25 Gaussians of sigma 0.05
at {{-4, -2, 0, 2, 4}}^2 (the code's means and variances; VEEGAN's ring has radius 2
and sigma 0.02, so PacGAN's definition is the one used); G is 4 x 400 ReLU units with
BatchNorm on a 2-D Gaussian latent, D is 3 x 200 linear-maxout units of 5 pieces;
weights from N(0, 0.02); non-saturating loss; Adam(1e-4, beta1 = 0.8) with both
players updated simultaneously from one batch of 100. The metrics
(`jaxgan.metrics.mode_coverage`, as the code's `MetricLogger`): 2,500 samples, a
sample is high quality within 3 sigma of its nearest mode, a mode is captured when a
high-quality sample is nearest to it, reverse KL is KL(generated modes || uniform).

**Budget.** {TOY_STEPS:,} steps of batch 100 per run, chosen so that the whole table (12
cells x 5 seeds; the unrolled and WGAN-GP rows cost 5-6x a GAN step) fits in about 3
hours of the 2-core CPU with two runs side by side. The PacGAN code trains 400 epochs
of 100,000 points: **400,000 steps, 67x this budget**, so these runs are far from
converged and the table compares the methods early in training, not at the papers'
end point. The training set is 50,000 points (the code: 100,000).

**Rows beyond the papers.** WGAN-GP uses Gulrajani et al.'s toy settings (gradient
penalty 10, 5 critic updates per G update, Adam(1e-4, 0.5, 0.9)) on the same
networks; minibatch discrimination uses 50 kernels of dimension 5 before D's last
layer (PacGAN does not give its settings).""",
    figure="points.png",
)

TABLES: dict[str, Table] = {table.name: table for table in (TOY_MODE_COVERAGE,)}


def get(name: str) -> Table:
    """The table called ``name`` or numbered ``name`` (``"1"``).

    Raises:
      ValueError: naming the tables there are.
    """
    for table in TABLES.values():
        if name in (table.name, str(table.number)):
            return table
    listing = ", ".join(f"{t.number} ({t.name})" for t in TABLES.values())
    raise ValueError(f"unknown table {name!r}; the tables are: {listing}")
