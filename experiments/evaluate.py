"""Evaluates a run: generates the protocol's samples from its checkpoint and computes the
metrics that fit its dataset, printing them and writing ``DIR/eval.json``.

  python -m experiments.evaluate --workdir DIR [--num_samples N] [--seed 0]

- ``ring8``, ``grid25``: mode coverage (2,500 samples; modes captured, high-quality
  fraction, reverse KL), as VEEGAN/PacGAN.
- ``gaussian_mixture_1d``: histogram KL/JS and the exact Wasserstein-1 distance
  against 5,000 test points, the Parzen-window log-likelihood, and the divergence
  the saved discriminator implies on the same points (JS from a logit D's loss,
  the critic's W1 estimate for the Wasserstein loss).
- ``mnist_5k``, ``digits_8x8``: the digit classifier's Fréchet distance and score
  (10,000 samples), with the real-vs-real floor (train split against test split),
  and the Parzen-window log-likelihood of the test split (bandwidth chosen on a
  validation part of the train split, Goodfellow et al. 2014's protocol).
- ``stacked_mnist``: modes covered of 1,000 and KL, classifying each channel of
  26,000 samples (PacGAN's protocol).
- ``edges2digits`` (pix2pix): the 500 held-out edge maps translated, against their
  true digits: mean absolute error and the classifier's accuracy on the translations.
- ``edges2digits_unpaired`` (CycleGAN): the same for edge map -> digit, plus digit ->
  edge map against the true edge maps and both cycles' reconstruction error.

- any other (image) dataset, e.g. ``cifar10``, ``celeb_a``: FID, KID, Inception Score,
  precision/recall (k = 3) and density/coverage (k = 5) on pytorch-fid's InceptionV3
  features of the samples and as many real training images, with the weights from
  ``--weights`` or the cache (see ``python -m jaxgan.fid``).
"""

from __future__ import annotations

import json
import pathlib
import sys

from absl import flags

from experiments import cli

PARZEN_SIGMAS = (0.05, 0.08, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0)


def define_flags() -> flags.FlagValues:
    values = flags.FlagValues()
    flags.DEFINE_string("workdir", None, "The run's directory.", flag_values=values)
    flags.DEFINE_integer(
        "num_samples", None, "Samples (default: the protocol's).", flag_values=values
    )
    flags.DEFINE_integer("seed", 0, "Seed of the latents.", flag_values=values)
    flags.DEFINE_string("weights", None, "pytorch-fid's Inception weights (.pth or .npz).",
                        flag_values=values)  # fmt: skip
    return values


def inception_metrics(samples, real_images, *, weights=None) -> dict:
    """FID, KID, IS, precision/recall and density/coverage on Inception features.

    Both image sets are ``(N, H, W, C)`` in [-1, 1]; one channel is repeated to three.
    """
    import numpy as np

    from jaxgan import metrics
    from jaxgan.fid import InceptionFeatures
    from jaxgan.metrics.inception import load_inception_weights

    def rgb01(images):
        images = np.asarray(images, np.float32)
        if images.shape[-1] == 1:
            images = np.repeat(images, 3, axis=-1)
        return (np.clip(images, -1.0, 1.0) + 1.0) / 2.0

    features = InceptionFeatures(load_inception_weights(weights))
    gen_pool, gen_logits = features(rgb01(samples))
    real_pool, _ = features(rgb01(real_images))
    gen_stats, real_stats = metrics.FeatureStatistics(2048), metrics.FeatureStatistics(2048)
    gen_stats.update(gen_pool)
    real_stats.update(real_pool)
    result = {
        "fid": metrics.frechet_distance(
            gen_stats.mean, gen_stats.covariance, real_stats.mean, real_stats.covariance
        )
    }
    subset = min(1000, len(gen_pool), len(real_pool))
    result["kid"], result["kid_std"] = metrics.kernel_inception_distance(
        real_pool, gen_pool, subset_size=subset
    )
    result["inception_score"], result["inception_score_std"] = metrics.inception_score(gen_logits)
    result["precision"], result["recall"] = metrics.precision_recall(real_pool, gen_pool, k=3)
    result["density"], result["coverage"] = metrics.density_coverage(real_pool, gen_pool, k=5)
    return result


def evaluate(
    workdir: str, *, num_samples: int | None = None, seed: int = 0, weights: str | None = None,
    report=None,
) -> dict:  # fmt: skip
    """Computes the metrics for the run in ``workdir`` and writes ``eval.json`` there.

    ``report``, if given, is called with a line as each phase starts (classifier
    training, sampling, metrics) and for each warning the metrics raised, explained.
    """
    import warnings

    from experiments.sample import sample
    from jaxgan.checkpoint import Checkpointer
    from jaxgan.metrics.classifier import DigitClassifier

    saved = _samples_only_run(workdir)
    if saved is None:
        checkpointer = Checkpointer(pathlib.Path(workdir) / "checkpoints", save_every=1)
        found = checkpointer.restore_config()
        checkpointer.close()
        if found is None:
            raise FileNotFoundError(f"no complete checkpoint in {workdir}/checkpoints")
    else:
        found = (saved["summary"]["final_step"], saved["summary"]["config"])
    if found[1].get("pyramid_level") is not None:
        raise ValueError(
            f"{workdir} is one level of a LAPGAN pyramid (pyramid_level="
            f"{found[1]['pyramid_level']}): its samples are a band of the pyramid, not "
            "digits; evaluate the directory that python -m experiments.lapgan wrote, "
            "which holds the chained samples"
        )
    dataset = found[1]["dataset"]
    toy = dataset in ("ring8", "grid25", "gaussian_mixture_1d")
    count = num_samples or (2500 if toy else 26_000 if dataset == "stacked_mnist" else 10_000)
    say = report or (lambda line: None)
    classifier = None
    if dataset in ("mnist_5k", "digits_8x8", "stacked_mnist", "edges2digits",
                   "edges2digits_unpaired", "mnist_5k_captions"):  # fmt: skip
        name = "digits_8x8" if dataset == "digits_8x8" else "mnist_5k"
        classifier = DigitClassifier.load_or_train(name, report=say)
    if saved is None:
        step, samples = sample(workdir, num_samples=count, seed=seed, report=say)
    else:
        step, samples = found[0], saved["samples"][:count]
        say(f"scoring the {len(samples)} saved samples of {saved['summary']['program']}")
    result: dict = {"dataset": dataset, "step": step, "num_samples": len(samples)}
    say("computing the metrics")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _metrics(result, dataset, samples, classifier, found[1], count, seed, weights, workdir)
    for message in dict.fromkeys(str(w.message) for w in caught):
        say(f"note: {_explain(message)}")
    path = pathlib.Path(workdir) / "eval.json"
    path.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    return result


def _samples_only_run(workdir) -> dict | None:
    """A run another program trained (``experiments.torch_twin``): its ``summary.json``
    says ``samples_only`` and its samples are in ``samples.npz``. ``None`` otherwise."""
    import numpy as np

    summary = cli.run_summary(workdir)
    if not (summary and summary.get("samples_only")):
        return None
    samples = np.load(pathlib.Path(workdir) / "samples.npz")["samples"]
    return {"summary": summary, "samples": samples}


def _explain(message: str) -> str:
    if "singular" in message.lower():
        return (
            f"{message} -- a feature covariance is singular (e.g. a collapsed generator, or "
            "fewer distinct samples than feature dimensions); the Frechet distance is still "
            "computed, as pytorch-fid does, but read it with care."
        )
    return message


def _discriminator_outputs(workdir, config, real, generated, *, fit_steps: int):
    """The saved discriminator's outputs (inference mode) on ``real`` and ``generated``,
    as saved and after ``fit_steps`` more updates: ``{"discriminator": (real_out, gen_out),
    "fitted_discriminator": (...)}``.

    The fitted D takes updates of its whole loss (penalties included) against the saved
    generator, held fixed (its optimiser set to zero), on fresh batches of the training
    distribution: the near-optimal D whose loss the theory reads as a divergence.
    """
    import dataclasses

    import jax
    import numpy as np
    import optax

    from experiments.sample import restore_state
    from jaxgan.data import offline

    gan, state = restore_state(workdir, config)
    shape = (config["batch_size"] * config.get("packing", 1), *real.shape[1:])
    if config["n_critic"] > 1:
        shape = (config["n_critic"], *shape)

    def outputs(state):
        variables = {"params": state.discriminator_params, **state.discriminator_collections}
        apply = jax.jit(lambda x: gan.discriminator.apply(variables, gan.pack(x)))
        return np.asarray(apply(np.asarray(real))), np.asarray(apply(np.asarray(generated)))

    result = {"discriminator": outputs(state)}
    frozen = dataclasses.replace(gan, generator_optimizer=optax.set_to_zero())
    state = state.replace(generator_opt_state=frozen.generator_optimizer.init(None))
    points = offline.gaussian_mixture_1d(fit_steps * int(np.prod(shape[:-1])), seed=3)
    batches = points["image"].reshape(fit_steps, *shape)
    step = jax.jit(frozen.train_step)
    for index in range(fit_steps):
        state, _ = step(state, {"image": batches[index]}, jax.random.key(index))
    result["fitted_discriminator"] = outputs(state)
    return result


def _metrics(result, dataset, samples, classifier, config, count, seed, weights, workdir) -> None:
    import numpy as np

    from jaxgan import metrics
    from jaxgan.config import LABEL_CONDITIONINGS
    from jaxgan.data import offline
    from jaxgan.metrics.classifier import dataset_images

    if dataset in ("ring8", "grid25"):
        modes, sigma = (
            (offline.ring8_modes(), offline.RING8_SIGMA)
            if dataset == "ring8"
            else (offline.grid25_modes(), offline.GRID25_SIGMA)
        )
        result.update(metrics.mode_coverage(samples, modes, sigma=sigma))
    elif dataset == "gaussian_mixture_1d":
        test = offline.gaussian_mixture_1d(5000, seed=1)["image"]
        result.update(metrics.histogram_divergences(samples, test, bins=100))
        result["wasserstein_1"] = metrics.wasserstein_1d(samples, test)
        if config["loss"] in ("non_saturating", "minimax", "maximum_likelihood", "wasserstein"):
            # As saved (D at that point of the game), then fitted to the frozen G.
            readings = _discriminator_outputs(workdir, config, test, samples, fit_steps=2000)
            for prefix, (real_out, gen_out) in readings.items():
                estimate = metrics.discriminator_divergence_estimate(
                    real_out, gen_out, loss=config["loss"]
                )
                result.update({f"{prefix}_{name}_estimate": v for name, v in estimate.items()})
        sigma, _ = metrics.select_parzen_bandwidth(
            offline.gaussian_mixture_1d(1000, seed=2)["image"], samples, PARZEN_SIGMAS
        )
        result["parzen_sigma"] = sigma
        result["parzen_log_likelihood"] = metrics.parzen_log_likelihood(test, samples, sigma=sigma)
    elif dataset in ("mnist_5k", "digits_8x8"):
        train, _ = dataset_images(dataset, "train")
        test, _ = dataset_images(dataset, "test")
        result["classifier_accuracy"] = classifier.accuracy
        result["classifier_frechet_distance"] = classifier.frechet_distance(samples, train)
        result["classifier_frechet_distance_real_floor"] = classifier.frechet_distance(test, train)
        result["classifier_score"], result["classifier_score_std"] = classifier.score(samples)
        kmeans = config.get("label_source", "dataset") == "kmeans"  # clusters, not digits
        if config["conditioning"] in LABEL_CONDITIONINGS and not kmeans:
            result.update(_conditional_accuracy(classifier, samples, config["num_classes"]))
        # The score's splits assume examples in random order; the split files are sorted.
        shuffled = test[np.random.default_rng(0).permutation(len(test))]
        result["classifier_score_real"] = classifier.score(shuffled)[0]
        validation, flat = train[:500].reshape(500, -1), samples.reshape(len(samples), -1)
        sigma, _ = metrics.select_parzen_bandwidth(validation, flat, PARZEN_SIGMAS)
        result["parzen_sigma"] = sigma
        result["parzen_log_likelihood"] = metrics.parzen_log_likelihood(
            test.reshape(len(test), -1), flat, sigma=sigma
        )
        # The same estimate for pixels in [0, 1], the scale of Goodfellow et al.'s Table 1:
        # halving every coordinate (and sigma) multiplies the density by 2^d.
        dimensions = flat.shape[1]
        result["parzen_log_likelihood_01"] = result["parzen_log_likelihood"] + dimensions * np.log(
            2
        )
    elif dataset == "stacked_mnist":
        channels = [classifier.logits(samples[..., c : c + 1]).argmax(axis=1) for c in range(3)]
        result.update(metrics.stacked_mnist_modes(np.stack(channels, axis=1)))
        result["classifier_accuracy"] = classifier.accuracy
    elif dataset == "edges2digits":
        result.update(_translation_metrics(classifier, samples, config))
    elif dataset == "edges2digits_unpaired":
        result.update(_unpaired_translation_metrics(classifier, samples, config, workdir))
    elif dataset == "mnist_5k_captions":
        result.update(_caption_metrics(classifier, samples, config))
    elif dataset == "blend_digits":
        result.update(_blend_metrics(samples, config))
    elif samples.ndim == 4:
        from jaxgan.data import make_pipeline

        real = next(
            make_pipeline(
                dataset, batch_size=count, split="train", seed=seed, num_epochs=1,
                data_dir=config.get("data_dir"), image_size=config.get("image_size"),
                center_crop=config.get("center_crop"), process_index=0, process_count=1,
            )
        )["image"]  # fmt: skip
        result.update(inception_metrics(samples, real, weights=weights))
    else:
        raise ValueError(f"no metric fits the dataset {dataset!r} with samples {samples.shape}")


def _conditional_accuracy(classifier, samples, num_classes: int) -> dict:
    """How often the classifier reads the label each sample was asked for, overall and
    for the worst class."""
    import numpy as np

    from experiments.sample import requested_labels

    labels = requested_labels(len(samples), num_classes)
    correct = classifier.logits(samples).argmax(axis=1) == labels
    per_class = [correct[labels == c].mean() for c in range(num_classes)]
    return {
        "conditional_accuracy": float(correct.mean()),
        "conditional_accuracy_worst_class": float(np.min(per_class)),
    }


def _translation_metrics(classifier, translations, config) -> dict:
    """pix2pix on edges2digits: the translations of the held-out edge maps against their
    true digits.

    ``translation_l1``: mean absolute error per pixel, pixels in [0, 1];
    ``translated_accuracy``: the digit classifier's accuracy on the translations (the
    central 28x28, the classifier's input) against the true digits' labels, beside
    ``classifier_accuracy`` on the true digits themselves.
    """
    import ml_collections

    from experiments.sample import held_out_pairs

    pairs = held_out_pairs(ml_collections.ConfigDict(config), len(translations))
    return _digit_translation_scores(classifier, translations, pairs["image"], pairs["label"])


def _blend_metrics(blends, config) -> dict:
    """GP-GAN's blending GAN on blend_digits: its 32x32 blends of the held-out composites
    against the true scenes. ``blend_mse``: mean squared error per pixel in [0, 1];
    ``copy_paste_mse``: the composites' own (the error the GAN should remove). The
    64x64 Gaussian-Poisson blends are ``python -m experiments.gp_gan``'s."""
    import ml_collections
    import numpy as np

    from experiments.sample import held_out_pairs

    pairs = held_out_pairs(ml_collections.ConfigDict(config), len(blends))
    truth = (np.asarray(pairs["image"]) + 1) / 2
    return {
        "blend_mse": float(np.mean(np.square(np.clip((blends + 1) / 2, 0, 1) - truth))),
        "copy_paste_mse": float(np.mean(np.square((pairs["condition"] + 1) / 2 - truth))),
    }


def _caption_metrics(classifier, samples, config) -> dict:
    """StackGAN on mnist_5k_captions: sample ``i`` was asked for the test caption ``i mod
    500`` (:func:`experiments.sample.sample_inputs`).

    14x14 samples (stage I) are upsampled to 28x28 (bilinear, :func:`jaxgan.pyramid.upsample`)
    for the classifier and the measurements, and the real reference goes through the
    same 2x2-mean downsampling and upsampling. ``caption_digit_accuracy``: how often the
    classifier reads the caption's digit (``_real``: on the real test digits at the
    samples' resolution, the ceiling). For each attribute (thickness, slant, size,
    :mod:`jaxgan.data.captions`), measured on the samples: ``*_correlation``, Pearson's r
    between the caption's bin (0, 1, 2) and the measured value; ``*_agreement``, how
    often the value falls in the caption's bin (the training digits' cut points; chance
    is about 1/3); ``*_correlation_real`` and ``*_agreement_real``, the same for the real
    test digits at the samples' resolution (1.0 agreement at 28x28 by construction).
    Also the classifier's Frechet distance to the training digits and its score.
    """
    import ml_collections
    import numpy as np

    from experiments.sample import held_out_captions
    from jaxgan import pyramid
    from jaxgan.data import captions
    from jaxgan.metrics.classifier import dataset_images

    held = held_out_captions(ml_collections.ConfigDict(config))
    index = np.arange(len(samples)) % len(held["label"])
    labels, bins = held["label"][index], held["attribute_bins"][index]
    real = held["image"].astype(np.float32) / 127.5 - 1.0
    size = samples.shape[1]
    if size != real.shape[1]:
        if real.shape[1] != 2 * size:
            raise ValueError(f"captioned samples of {size}x{size} pixels: expected 14 or 28")
        samples = np.asarray(pyramid.upsample(samples))
        real = np.asarray(pyramid.upsample(pyramid.downsample(real)))
    train, _ = dataset_images("mnist_5k", "train")
    cuts = captions.attribute_bins(captions.measure((train + 1.0) / 2.0))
    measured = captions.measure((samples + 1.0) / 2.0)
    measured_real = captions.measure((real + 1.0) / 2.0)
    predictions = classifier.logits(samples).argmax(axis=1)
    real_predictions = classifier.logits(real).argmax(axis=1)
    result = {
        "evaluated_at": f"{size}x{size}" + ("" if size == real.shape[1] else " upsampled to 28x28"),
        "caption_digit_accuracy": float(np.mean(predictions == labels)),
        "caption_digit_accuracy_real": float(np.mean(real_predictions == held["label"])),
        "classifier_accuracy": classifier.accuracy,
        "classifier_frechet_distance": classifier.frechet_distance(samples, train),
        "classifier_score": classifier.score(samples)[0],
    }
    for column, name in enumerate(captions.ATTRIBUTES):
        for suffix, values, wanted in (
            ("", measured[name], bins[:, column]),
            ("_real", measured_real[name], held["attribute_bins"][:, column]),
        ):
            result[f"{name}_correlation{suffix}"] = float(np.corrcoef(wanted, values)[0, 1])
            result[f"{name}_agreement{suffix}"] = float(
                np.mean(captions.bin_index(values, cuts[name]) == wanted)
            )
    return result


def _mean_absolute_error_01(a, b) -> float:
    """Mean absolute error per pixel of images in [-1, 1], on the [0, 1] scale."""
    import numpy as np

    return float(np.mean(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))) / 2)


def _digit_translation_scores(classifier, translations, targets, labels) -> dict:
    """Translated 32x32 digits against their true digits (see :func:`_translation_metrics`)."""
    import numpy as np

    predictions = classifier.logits(translations[:, 2:30, 2:30]).argmax(axis=1)
    real_predictions = classifier.logits(targets[:, 2:30, 2:30]).argmax(axis=1)
    return {
        "translation_l1": _mean_absolute_error_01(translations, targets),
        "translated_accuracy": float(np.mean(predictions == labels)),
        "classifier_accuracy": float(np.mean(real_predictions == labels)),
    }


def _unpaired_translation_metrics(classifier, translations, config, workdir) -> dict:
    """CycleGAN on edges2digits_unpaired: ``translations`` are ``G([edges | digits])`` of
    the held-out true pairs, ``[G_BA(digits) | G_AB(edges)]``.

    Edge map -> digit as pix2pix's (``translation_l1``, ``translated_accuracy``);
    ``reverse_translation_l1``: digit -> edge map against the true edge maps;
    ``cycle_l1_edges``, ``cycle_l1_digits`` and their mean ``cycle_l1``: ``G(G(x))``
    against ``x`` (the generator applied again, as sampled), all on the [0, 1] scale.
    """
    import jax
    import ml_collections
    import numpy as np

    from experiments.sample import held_out_pairs, restore_generator
    from jaxgan.models.cyclegan import split_domains

    config = ml_collections.ConfigDict(config)
    pairs = held_out_pairs(config, len(translations))
    channels = (config.generator.channels_a, config.generator.channels_b)
    edges, digits = split_domains(np.asarray(pairs["image"]), *channels)
    fake_edges, fake_digits = split_domains(translations, *channels)
    result = _digit_translation_scores(classifier, fake_digits, digits, pairs["label"])
    result["reverse_translation_l1"] = _mean_absolute_error_01(fake_edges, edges)
    _, generator, variables, _, _ = restore_generator(workdir)
    cycled = np.asarray(jax.jit(generator.apply)(variables, translations))
    cycled_edges, cycled_digits = split_domains(cycled, *channels)
    result["cycle_l1_edges"] = _mean_absolute_error_01(cycled_edges, edges)
    result["cycle_l1_digits"] = _mean_absolute_error_01(cycled_digits, digits)
    result["cycle_l1"] = (result["cycle_l1_edges"] + result["cycle_l1_digits"]) / 2
    return result


def main(argv=None) -> int:
    argv = list(sys.argv if argv is None else argv)
    if cli.wants_help(argv):
        return cli.print_help(__doc__, define_flags())
    try:
        values = cli.parse(define_flags, argv)
        cli.existing_run(values.workdir)
        if values.num_samples is not None and values.num_samples < 2:
            raise cli.UsageError(f"--num_samples={values.num_samples} must be >= 2")
        result = evaluate(
            values.workdir, num_samples=values.num_samples, seed=values.seed,
            weights=values.weights, report=lambda line: print(line, flush=True),
        )  # fmt: skip
    except (cli.UsageError, FileNotFoundError, ValueError) as error:
        return cli.fail(str(error))
    for name, value in sorted(result.items()):
        print(f"{name:45s} {value}")
    print(f"wrote {values.workdir}/eval.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
