"""What a run writes for people: TensorBoard events, sample grids, plots, summary.json.

TensorBoard event files are written with tensorboardX (no TensorFlow). Every writer
here runs on process 0 only; the others are no-ops.
"""

from __future__ import annotations

import json
import math
import pathlib
from typing import Any

import jax
import numpy as np

__all__ = [
    "Writer",
    "image_grid",
    "params_fingerprint",
    "plot_density_1d",
    "plot_losses",
    "plot_points_2d",
    "read_log",
    "save_png",
    "write_json",
]


def image_grid(images: np.ndarray, *, columns: int | None = None) -> np.ndarray:
    """Tiles ``(N, H, W, C)`` images in ``[-1, 1]`` into one uint8 ``(rows*H, cols*W, C)`` grid.

    Two-channel images (two domains stacked, CycleGAN) are shown as their two channels
    side by side, ``(H, 2W, 1)`` each.
    """
    images = np.asarray(images, np.float32)
    if images.ndim == 4 and images.shape[-1] == 2:
        images = np.concatenate([images[..., :1], images[..., 1:]], axis=2)
    n, h, w, c = images.shape
    columns = columns or math.ceil(math.sqrt(n))
    rows = math.ceil(n / columns)
    grid = np.full((rows * (h + 1) + 1, columns * (w + 1) + 1, c), -1.0, np.float32)
    for i, image in enumerate(images):
        r, col = divmod(i, columns)
        grid[1 + r * (h + 1) : 1 + r * (h + 1) + h, 1 + col * (w + 1) : 1 + col * (w + 1) + w] = (
            image
        )
    return np.round((np.clip(grid, -1.0, 1.0) + 1.0) * 127.5).astype(np.uint8)


def save_png(grid: np.ndarray, path: str | pathlib.Path) -> None:
    """Writes a uint8 ``(H, W, 1|3)`` grid as a PNG."""
    from PIL import Image

    array = grid[..., 0] if grid.shape[-1] == 1 else grid
    Image.fromarray(array).save(path)


def params_fingerprint(*trees: Any) -> float:
    """Sum over all leaves of the sum of absolute values, in float64 (to compare runs)."""
    return float(
        sum(
            np.abs(np.asarray(leaf, np.float64)).sum()
            for tree in trees
            for leaf in jax.tree.leaves(tree)
        )
    )


def write_json(path: str | pathlib.Path, payload: dict) -> None:
    """Writes ``payload`` atomically (a temporary file renamed into place)."""
    path = pathlib.Path(path)
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(json.dumps(payload, indent=2, sort_keys=True, default=float) + "\n")
    temporary.replace(path)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_losses(history: list[dict], path: str | pathlib.Path) -> None:
    """Plots every ``*loss`` metric of ``history`` (dicts with ``step``) against the step."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    steps = [h["step"] for h in history]
    names = sorted({k for h in history for k in h if k.endswith("loss")})
    # A total equal to its adversarial part all along (no penalties) would hide under it.
    names = [
        n for n in names
        if not (n.endswith("_total_loss")
                and all(h.get(n) == h.get(n.replace("_total", "")) for h in history))
    ]  # fmt: skip
    for name in names:
        ax.plot(steps, [h.get(name, np.nan) for h in history], label=name)
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_density_1d(
    data: np.ndarray, generated: np.ndarray, grid: np.ndarray, d_of_grid: np.ndarray, path
) -> None:
    """Goodfellow 2014's figure 1: data density, generated density and D(x)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    bins = np.linspace(grid.min(), grid.max(), 80)
    ax.hist(data.ravel(), bins=bins, density=True, histtype="step", color="k", ls=":", label="data")
    ax.hist(generated.ravel(), bins=bins, density=True, histtype="step", color="g", label="G(z)")
    ax.plot(grid, d_of_grid, color="b", ls="--", label="D(x)")
    ax.axhline(0.5, color="gray", lw=0.5)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_points_2d(data: np.ndarray, generated: np.ndarray, path) -> None:
    """Scatter of 2-D data and generated samples."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.scatter(data[:, 0], data[:, 1], s=2, c="k", alpha=0.3, label="data")
    ax.scatter(generated[:, 0], generated[:, 1], s=2, c="g", alpha=0.5, label="G(z)")
    ax.set_aspect("equal")
    ax.legend(markerscale=5)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


class Writer:
    """TensorBoard scalars and images plus a ``metrics.jsonl`` log, on process 0 only.

    Args:
      workdir: the run's directory.
      enabled: write anything at all (process 0 of a multi-host run).
      resume_step: the step the run continues from. The log keeps one consistent
        history: rows of ``metrics.jsonl`` after this step (written by a segment whose
        later checkpoints were lost) move to ``metrics.dropped.jsonl`` -- kept, not
        deleted -- the rows up to it are loaded into :attr:`history`, and TensorBoard
        purges its events after it.
    """

    def __init__(self, workdir: str | pathlib.Path, *, enabled: bool = True, resume_step: int = 0):
        self.enabled = enabled
        self.history: list[dict] = []
        self._jsonl = None
        self._tensorboard = None
        if enabled:
            from tensorboardX import SummaryWriter

            path = pathlib.Path(workdir) / "metrics.jsonl"
            self.history = _truncate_log(path, resume_step)
            self._tensorboard = SummaryWriter(
                str(pathlib.Path(workdir) / "tensorboard"),
                purge_step=resume_step + 1 if path.exists() else None,
            )
            self._jsonl = open(path, "a")  # noqa: SIM115

    def scalars(self, step: int, metrics: dict) -> None:
        record = {"step": step, **{k: float(v) for k, v in metrics.items()}}
        self.history.append(record)
        if not self.enabled:
            return
        for name, value in metrics.items():
            self._tensorboard.add_scalar(name, float(value), step)
        self._jsonl.write(json.dumps(record) + "\n")
        self._jsonl.flush()

    def image(self, step: int, name: str, grid: np.ndarray) -> None:
        if self.enabled:
            self._tensorboard.add_image(name, grid, step, dataformats="HWC")

    def close(self) -> None:
        if self.enabled:
            self._tensorboard.close()
            self._jsonl.close()


def read_log(path: str | pathlib.Path) -> list[dict]:
    """The rows of a ``metrics.jsonl`` (a torn last line, from a killed run, is skipped)."""
    rows = []
    path = pathlib.Path(path)
    if not path.exists():
        return rows
    for line in path.read_text().splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return rows


def _truncate_log(path: pathlib.Path, step: int) -> list[dict]:
    """Keeps the rows up to ``step`` in ``path``; later ones go to ``*.dropped.jsonl``."""
    rows = read_log(path)
    kept = [row for row in rows if row.get("step", 0) <= step]
    if len(kept) == len(rows) and (not path.exists() or path.read_text().endswith("\n")):
        return kept
    dropped = [row for row in rows if row.get("step", 0) > step]
    if dropped:
        with open(path.with_name("metrics.dropped.jsonl"), "a") as file:
            file.writelines(json.dumps(row) + "\n" for row in dropped)
    temporary = path.with_suffix(".jsonl.tmp")
    temporary.write_text("".join(json.dumps(row) + "\n" for row in kept))
    temporary.replace(path)
    return kept
