"""iGAN on digits: project held-out digits onto a trained generator, edit them under
constraints, interpolate between them (Zhu et al. 2016; :mod:`jaxgan.inversion`).

  python -m experiments.inversion --workdir DIR [--num_images 500] [--steps 200]
      [--learning_rate 0.05] [--encoder_steps 2000] [--feature_weight 0.01]
      [--prior_weight 0.1] [--edit_steps 200] [--smoothness 0.1] [--seed 0]

Loads a digit run's generator (``DIR/checkpoints``; its EMA parameters when it keeps
them), trains an encoder (:class:`jaxgan.models.DCGANEncoder`) on it and on the training
digits, and reconstructs the first ``--num_images`` held-out digits five ways. A
label-conditioned G (CGAN, projection, AC-GAN) draws each digit with its label: its
digit class, or for a self-conditioned run (``label_source='kmeans'``, the main job) its
nearest k-means cluster, which the pipeline gives it in training too; the encoder
finds ``z`` alone.

- ``nearest_neighbour``: the nearest training digit in pixels (the baseline: no G);
- ``encoder``: ``G(E(x))``, the encoder's guess alone;
- ``optimisation``: ``--steps`` Adam steps on the pixel loss from ``z = 0``;
- ``hybrid``: the same from the encoder's guess (iGAN's choice);
- ``hybrid_features``: the hybrid with the digit classifier's features added to the
  loss (``--feature_weight``), iGAN's feature loss.

Each is scored by its pixel error on the held-out digits (mean squared error in [-1, 1]
and mean absolute error in [0, 1]), by whether an independently trained digit
classifier (seed 1) still reads the true label, and by its time per image (the batch
of ``--num_images`` after compilation, divided by their number). Then 100 hybrid
projections spread over the split (it is ordered by digit) are edited
(:func:`jaxgan.inversion.edit`) under two constraints -- ``ink_centre`` (an intensity
brush: the centre 8x8 pixels inked) and ``top_bar`` (a sketch: a horizontal stroke
near the top whose edges the image must follow) -- each
reported by its constraint loss before and after and by how much the image changed
outside the constraint's mask. Writes ``DIR/inversion.json`` and ``DIR/inversion.png``
(the digits, each reconstruction, the edits and a spherical interpolation between two
projections; for a label-conditioned G the second end is the edited digit nearest the
middle that has the first's label).
"""

from __future__ import annotations

import sys
import time

from absl import flags

from experiments import cli

DIGITS = ("mnist_5k",)
METHODS = ("nearest_neighbour", "encoder", "optimisation", "hybrid", "hybrid_features")
EDITED = 100
INTERPOLATION = 10


def define_flags() -> flags.FlagValues:
    values = flags.FlagValues()
    define = {"integer": flags.DEFINE_integer, "float": flags.DEFINE_float}
    for kind, name, default, help_ in (
        ("integer", "num_images", 500, "Held-out digits to project (<= 500)."),
        ("integer", "steps", 200, "Adam steps of each projection."),
        ("float", "learning_rate", 0.05, "Adam's step on the latents."),
        ("integer", "encoder_steps", 2000, "Training steps of the encoder (batch 64)."),
        ("float", "feature_weight", 0.01, "Weight of the feature loss (hybrid_features)."),
        ("float", "prior_weight", 0.1, "Weight of the Gaussian prior on z in every projection."),
        ("integer", "edit_steps", 200, "Adam steps of each edit."),
        ("float", "smoothness", 0.1, "Weight keeping an edit's latent near the projection."),
        ("integer", "seed", 0, "Seed of the encoder's training."),
    ):  # fmt: skip
        define[kind](name, default, help_, flag_values=values)
    flags.DEFINE_string("workdir", None, "The trained run's directory.", flag_values=values)
    return values


def _check(values) -> None:
    if not 1 <= values.num_images <= 500:
        raise cli.UsageError(f"--num_images={values.num_images} must be in [1, 500]")
    for name in ("steps", "encoder_steps", "edit_steps"):
        if getattr(values, name) < 1:
            raise cli.UsageError(f"--{name}={getattr(values, name)} must be >= 1")
    if not values.learning_rate > 0:
        raise cli.UsageError(f"--learning_rate={values.learning_rate} must be > 0")
    for name in ("feature_weight", "prior_weight", "smoothness"):
        if getattr(values, name) < 0:
            raise cli.UsageError(f"--{name}={getattr(values, name)} must be >= 0")


def constraints(size: int = 28):
    """``{name: (constraint, mask, shown)}``: the two edits and what the figure shows of
    each (the brushed value or the sketch, in [-1, 1])."""
    import numpy as np

    from jaxgan import inversion

    centre = np.zeros((1, size, size, 1), np.float32)
    centre[:, 10:18, 10:18] = 1.0
    sketch = np.full((1, size, size, 1), -1.0, np.float32)
    sketch[:, 5:7, 7:21] = 1.0
    band = np.zeros_like(centre)
    band[:, 3:9, 5:23] = 1.0
    return {
        "ink_centre": (inversion.intensity_constraint(centre, 1.0), centre,
                       np.where(centre > 0, 1.0, -1.0)),
        "top_bar": (inversion.edge_constraint(band, sketch), band, sketch),
    }  # fmt: skip


def fit_encoder(generator, g_variables, latent_dim: int, images, *, steps: int, seed: int,
                labels=None):  # fmt: skip
    """``(encoder, variables, history, seconds)``: a :class:`jaxgan.models.DCGANEncoder`
    trained by :func:`jaxgan.inversion.train_encoder` on G's samples and ``images`` (the
    training digits, ``(N, H, W, 1)`` in [-1, 1]; ``labels``: theirs, for a
    label-conditioned G)."""
    import jax

    from jaxgan import inversion
    from jaxgan.models import DCGANEncoder

    encoder = DCGANEncoder(image_size=images.shape[1], channels=1, latent_dim=latent_dim)
    start = time.perf_counter()
    # G's weights are an argument of the compiled loop, not constants baked into it.
    e_variables, history = jax.jit(
        lambda gv, images, labels, key: inversion.train_encoder(
            encoder, lambda z, *label: generator.apply(gv, z, *label), key,
            latent_dim=latent_dim, steps=steps, images=images, labels=labels,
        )
    )(g_variables, images, labels, jax.random.key(seed))  # fmt: skip
    jax.block_until_ready(history)
    return encoder, e_variables, history, time.perf_counter() - start


def run(workdir, values, report=lambda line: None) -> tuple[dict, dict]:
    """``(results, images)`` for the run in ``workdir`` with the flags ``values``."""
    import jax
    import jax.numpy as jnp
    import numpy as np

    from experiments.sample import image_labels, restore_generator
    from jaxgan import inversion
    from jaxgan.config import LABEL_CONDITIONINGS
    from jaxgan.metrics.classifier import DigitClassifier, dataset_images

    config, generator, g_variables, step, which = restore_generator(workdir)
    conditioned = config.conditioning in LABEL_CONDITIONINGS
    if not conditioned and config.conditioning != "none":
        raise ValueError(
            f"{workdir} is a {config.conditioning!r}-conditioned run; iGAN projects onto an "
            "unconditional or label-conditioned generator"
        )
    report(f"step {step}: G with {which}")
    guide = DigitClassifier.load_or_train(config.dataset, report=report)
    judge = DigitClassifier.load_or_train(config.dataset, seed=1, report=report)
    train, train_labels = dataset_images(config.dataset, "train")
    test, labels = dataset_images(config.dataset, "test")
    test, labels = test[: values.num_images], labels[: values.num_images]
    # The labels G draws each digit with (None: G takes none).
    g_train_labels = image_labels(config, train, train_labels) if conditioned else None
    g_labels = image_labels(config, test, labels) if conditioned else None

    # Every network's weights enter the compiled programs as arguments: closed over, they
    # would be baked in as constants, which XLA compiles very slowly.
    def generate_with(variables, g_labels):
        return lambda z: generator.apply(variables, z, *(() if g_labels is None else (g_labels,)))

    report(f"training the encoder ({values.encoder_steps} steps on G and the training digits)")
    size = test.shape[1]
    encoder, e_variables, history, encoder_seconds = fit_encoder(
        generator, g_variables, config.latent_dim, train, steps=values.encoder_steps,
        seed=values.seed, labels=g_train_labels,
    )  # fmt: skip

    def project(gv, cp, x, z, g_labels, feature_weight):
        return inversion.project(
            generate_with(gv, g_labels), x, z, steps=values.steps,
            learning_rate=values.learning_rate,
            features=lambda images: guide.apply(images, features=True, params=cp),
            feature_weight=feature_weight, prior_weight=values.prior_weight,
        )[0]  # fmt: skip

    x = jnp.asarray(test)
    zeros = jnp.zeros((len(test), config.latent_dim), jnp.float32)
    latents, seconds = {}, {}
    report("projecting: encoder")
    latents["encoder"], seconds["encoder"] = cli.timed(encoder.apply, e_variables, x)
    for name, start_z, weight in (
        ("optimisation", zeros, 0.0),
        ("hybrid", latents["encoder"], 0.0),
        ("hybrid_features", latents["encoder"], values.feature_weight),
    ):
        report(f"projecting: {name}")
        latents[name], seconds[name] = cli.timed(
            lambda gv, cp, x, z, c, w=weight: project(gv, cp, x, z, c, w),
            g_variables, guide.params, x, start_z, g_labels,
        )  # fmt: skip
    for name in ("hybrid", "hybrid_features"):  # the hybrids pay for the encoder's guess too
        seconds[name] += seconds["encoder"]
    start = time.perf_counter()
    distances = (np.sum(test.reshape(len(test), -1) ** 2, axis=1)[:, None]
                 - 2 * test.reshape(len(test), -1) @ train.reshape(len(train), -1).T
                 + np.sum(train.reshape(len(train), -1) ** 2, axis=1)[None])  # fmt: skip
    reconstructions = {"nearest_neighbour": train[np.argmin(distances, axis=1)]}
    seconds["nearest_neighbour"] = time.perf_counter() - start
    generate = jax.jit(lambda gv, z, c: generate_with(gv, c)(z))
    for name, z in latents.items():
        reconstructions[name] = np.asarray(generate(g_variables, z, g_labels))

    results = {"projection": {}, "edits": {}}
    for name in METHODS:
        error = reconstructions[name] - test
        predicted = judge.logits(np.clip(reconstructions[name], -1, 1)).argmax(axis=1)
        results["projection"][name] = {
            "pixel_mse": float(np.mean(np.square(error))),
            "mean_absolute_error_01": float(np.mean(np.abs(error)) / 2),
            "label_preserved": float(np.mean(predicted == labels)),
            "ms_per_image": 1000 * seconds[name] / len(test),
        }
    results["encoder_training_s"] = encoder_seconds
    results["encoder_final_loss"] = float(history[-1])

    # The held-out split is ordered by digit: edit (and show) digits spread over it.
    chosen = np.linspace(0, len(test) - 1, min(EDITED, len(test))).astype(int)
    chosen_labels = None if g_labels is None else g_labels[chosen]
    edited = latents["hybrid"][chosen]
    before = reconstructions["hybrid"][chosen]
    images = {name: values[chosen] for name, values in {"digits": test, **reconstructions}.items()}
    for name, (constraint, mask, shown) in constraints(size).items():
        report(f"editing: {name}")
        z, _ = jax.jit(lambda gv, z, g_labels, c=constraint: inversion.edit(
            generate_with(gv, g_labels), z, [c], smoothness=values.smoothness,
            steps=values.edit_steps, learning_rate=values.learning_rate,
        ))(g_variables, edited, chosen_labels)  # fmt: skip
        after = np.asarray(generate(g_variables, z, chosen_labels))
        outside = np.broadcast_to(mask == 0, after.shape)
        results["edits"][name] = {
            "constraint_loss_before": float(np.mean(constraint.loss(before))),
            "constraint_loss_after": float(np.mean(constraint.loss(after))),
            "mean_change_outside_mask_01": float(np.mean(np.abs(after - before)[outside]) / 2),
            "mean_change_inside_mask_01": float(np.mean(np.abs(after - before)[~outside]) / 2),
        }
        images[f"edit_{name}"] = after
        images[f"target_{name}"] = shown
    ends = chosen[[0, len(chosen) // 2]]  # a zero and a digit from the split's middle
    path_labels = None
    if g_labels is not None:  # G draws the whole path with the first end's label
        same = chosen[chosen_labels == chosen_labels[0]]
        ends[1] = same[np.argmin(np.abs(same - ends[1]))]
        path_labels = np.full(INTERPOLATION, g_labels[ends[0]], np.int32)
    path = inversion.interpolate(latents["hybrid"][ends[0]], latents["hybrid"][ends[1]],
                                 INTERPOLATION)  # fmt: skip
    images["interpolation"] = np.asarray(generate(g_variables, path, path_labels))
    results.update(judge_accuracy=judge.accuracy, guide_accuracy=guide.accuracy, step=step,
                   generator=which, generator_labels=_labels_in_words(config))  # fmt: skip
    return results, images


def _labels_in_words(config) -> str:
    if config.conditioning == "none":
        return "none (an unconditional G)"
    if config.get("label_source", "dataset") == "kmeans":
        return f"each digit's nearest of {config.num_classes} k-means clusters"
    return "each digit's class"


def figure(images: dict, results: dict, path, columns: int = 10) -> None:
    """Rows of ``columns`` digits (spread over the edited ones): originals, each
    reconstruction, edits, interpolation."""
    import numpy as np

    count = len(images["digits"])
    shown = np.linspace(0, count - 1, min(columns, count)).astype(int)
    rows = [("held-out digits", images["digits"])]
    for name in METHODS:
        mae = results["projection"][name]["mean_absolute_error_01"]
        rows.append((f"{name}\nMAE {mae:.3f}", images[name]))
    rows.append(("hybrid (edited)", images["hybrid"]))
    for name, edit in results["edits"].items():
        target = np.broadcast_to(images[f"target_{name}"], images["digits"].shape)
        rows.append((f"{name} target", target))
        rows.append((f"{name}\nloss {edit['constraint_loss_before']:.2f}"
                     f"->{edit['constraint_loss_after']:.2f}", images[f"edit_{name}"]))  # fmt: skip
    rows.append(("interpolation\n(first -> middle)", images["interpolation"]))
    rows = [(label, values if label.startswith("interpolation") else values[shown])
            for label, values in rows]  # fmt: skip
    cli.strip_figure(rows, path, vmin=-1, vmax=1, width=columns * 0.9 + 1.8, row_height=1.0)


def _prepare(values, say):
    cli.trained_config(values.workdir, datasets=DIGITS, purpose="iGAN's projection")
    _check(values)
    return run(values.workdir, values, report=say)


def _finish(values, prepared, say) -> int:
    import pathlib

    results, images = prepared
    results["settings"] = {name: getattr(values, name) for name in (
        "num_images", "steps", "learning_rate", "encoder_steps", "feature_weight",
        "prior_weight", "edit_steps", "smoothness", "seed")}  # fmt: skip
    workdir = pathlib.Path(values.workdir)
    figure(images, results, workdir / "inversion.png")
    rows = {**results["projection"], **{f"edit {k}": v for k, v in results["edits"].items()}}
    cli.write_results(workdir, "inversion", results, rows)
    return 0


def main(argv=None) -> int:
    return cli.run_tool(__doc__, define_flags, argv, _prepare, _finish)


if __name__ == "__main__":
    sys.exit(main())
