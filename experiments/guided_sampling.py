"""PPGN-style guided sampling: ask an unconditional digit generator for a digit by moving
its latents under a classifier (Nguyen et al. 2017; :func:`jaxgan.refinement.ppgn_sample`).

  python -m experiments.guided_sampling --workdir DIR [--baseline CGAN_DIR]
      [--per_class 100] [--steps 50] [--epsilon1 0.005] [--epsilon2 0.1]
      [--epsilon3 0.05] [--encoder_steps 2000] [--dae_steps 3000]
      [--dae_noise_std 0.5] [--seed 0]

Loads an unconditional ``mnist_5k`` run's generator (``DIR``; its EMA parameters when it
keeps them) and draws ``--per_class`` samples of every digit y by PPGN's sampler in
latent space, ``z <- z + e1 grad log N(z; 0, I) + e2 grad_z log p(y | G(z)) + N(0,
e3^2)``, where ``p(y | x)`` is jaxgan's digit classifier (seed 0, the guide). Sets:

- ``generator``: ``G(z)`` unguided (digit i asked of sample i, so its accuracy is the
  share of each digit among G's samples: about 10%);
- ``ppgn``: the sampler with ``--epsilon1/2/3`` (a condition step larger than the
  prior's and little noise, as PPGN);
- ``ppgn_dae``: the same with PPGN's learnt prior: a denoising autoencoder
  (:class:`jaxgan.refinement.LatentDenoiser`, ``--dae_steps`` at noise
  ``--dae_noise_std``) trained on the codes ``E(x)`` of the training digits, ``E``
  iGAN's encoder (``--encoder_steps``, :func:`experiments.inversion.fit_encoder`), so
  the prior term pulls ``z`` towards the codes of real digits rather than towards 0
  (``--dae_steps 0`` skips it);
- ``langevin``: the same terms as exact Langevin dynamics on ``p(z) p(y | G(z))``
  (``e1 = e2 = e3^2 / 2``): diversity kept, condition weaker;
- ``cgan``: with ``--baseline``, a class-conditional run's samples of the same digits
  (plain conditional sampling, the comparison the PPGN paper draws).

Every set is judged by a second digit classifier trained independently (seed 1): a
guided sampler can fool the classifier that guides it, so the guide's own accuracy is
reported beside the judge's. Metrics: ``conditional_accuracy`` (the judge reads the
requested digit) and its worst class; within-class diversity as the mean over digits of
the judge's Fréchet distance between the samples of digit y and the training digits
labelled y (``class_frechet_distance``: small when the samples of a digit are as varied
as the real ones; mode collapse within a class raises it); and the overall Fréchet
distance and score. Writes ``DIR/guided_sampling.json`` and ``DIR/guided_sampling.png``.
"""

from __future__ import annotations

import sys

from absl import flags

from experiments import cli

DIGITS = ("mnist_5k",)
CHUNK = 1000  # latents per compiled call (memory)


def define_flags() -> flags.FlagValues:
    values = flags.FlagValues()
    flags.DEFINE_string("workdir", None, "The unconditional run's directory.",
                        flag_values=values)  # fmt: skip
    flags.DEFINE_string("baseline", None, "A class-conditional run's directory (the cgan "
                        "set; optional).", flag_values=values)  # fmt: skip
    flags.DEFINE_integer("per_class", 100, "Samples of each digit.", flag_values=values)
    flags.DEFINE_integer("steps", 50, "Steps of each sampler.", flag_values=values)
    flags.DEFINE_float("epsilon1", 0.005, "PPGN's prior step.", flag_values=values)
    flags.DEFINE_float("epsilon2", 0.1, "PPGN's condition step.", flag_values=values)
    flags.DEFINE_float("epsilon3", 0.05, "PPGN's noise scale.", flag_values=values)
    flags.DEFINE_integer("encoder_steps", 2000, "Training steps of the encoder whose codes "
                         "of real digits the DAE learns.", flag_values=values)  # fmt: skip
    flags.DEFINE_integer("dae_steps", 3000, "Training steps of the latent DAE (0: no "
                         "ppgn_dae set).", flag_values=values)  # fmt: skip
    flags.DEFINE_float("dae_noise_std", 0.5, "The DAE's corruption.", flag_values=values)
    flags.DEFINE_integer("seed", 0, "Seed of the latents and the noise.", flag_values=values)
    return values


def _check(values) -> None:
    for name, least in (("per_class", 2), ("steps", 1), ("encoder_steps", 1), ("dae_steps", 0)):
        if getattr(values, name) < least:
            raise cli.UsageError(f"--{name}={getattr(values, name)} must be >= {least}")
    for name in ("epsilon1", "epsilon2", "epsilon3"):
        if getattr(values, name) < 0:
            raise cli.UsageError(f"--{name}={getattr(values, name)} must be >= 0")
    if not values.dae_noise_std > 0:
        raise cli.UsageError(f"--dae_noise_std={values.dae_noise_std} must be > 0")


def draw(workdir, values, guide, report=lambda line: None) -> tuple[dict, dict]:
    """``(samples by set, settings)``: the requested digit of sample i is i mod 10."""
    import jax
    import numpy as np

    from experiments.sample import requested_labels, restore_generator
    from jaxgan import refinement

    config, generator, g_variables, step, which = restore_generator(workdir)
    if config.conditioning != "none":
        raise ValueError(f"--workdir={workdir} is a {config.conditioning!r}-conditioned run; "
                         "guided sampling steers an unconditional generator")  # fmt: skip
    report(f"step {step}: G with {which}")
    count = 10 * values.per_class
    labels = requested_labels(count, 10)
    z = jax.random.normal(jax.random.key(values.seed), (count, config.latent_dim))

    langevin = values.epsilon3**2 / 2
    settings = {
        "ppgn": (values.epsilon1, values.epsilon2, values.epsilon3),
        "langevin": (langevin, langevin, values.epsilon3),
    }
    priors = {"ppgn": None, "langevin": None}
    denoiser, trained = refinement.LatentDenoiser(), {}
    if values.dae_steps:
        from experiments.inversion import fit_encoder
        from jaxgan.metrics.classifier import dataset_images

        report(f"training the encoder ({values.encoder_steps} steps) and the latent DAE "
               f"({values.dae_steps} steps) on the training digits' codes")  # fmt: skip
        train, _ = dataset_images("mnist_5k", "train")
        encoder, e_variables, _, _ = fit_encoder(
            generator, g_variables, config.latent_dim, train, steps=values.encoder_steps,
            seed=values.seed,
        )  # fmt: skip
        codes = jax.jit(encoder.apply)(e_variables, train)
        priors["ppgn_dae"], history = jax.jit(
            lambda c, k: refinement.train_denoiser(
                denoiser, c, k, noise_std=values.dae_noise_std, steps=values.dae_steps
            )
        )(codes, jax.random.key(values.seed + 2))  # fmt: skip
        settings["ppgn_dae"] = settings["ppgn"]
        trained = {"dae_final_loss": float(history[-1]),
                   "code_std": float(np.std(np.asarray(codes)))}  # fmt: skip

    # The weights are arguments of the compiled sampler (closed over, XLA would compile
    # them in as constants, slowly).
    def sampler(epsilons, learnt_prior: bool):
        @jax.jit
        def run(gv, cp, dv, z, y, key):
            generate = lambda z: generator.apply(gv, z)  # noqa: E731
            logits = lambda x: guide.apply(x, params=cp)  # noqa: E731
            condition = refinement.class_log_likelihood(generate, logits, y)
            prior = (
                refinement.denoising_score(lambda z: denoiser.apply(dv, z), values.dae_noise_std)
                if learnt_prior
                else refinement.gaussian_prior_score
            )
            moved = refinement.ppgn_sample(
                prior, condition, z, key, steps=values.steps,
                epsilon1=epsilons[0], epsilon2=epsilons[1], epsilon3=epsilons[2],
            )  # fmt: skip
            return generate(moved)

        return run

    samples = {"generator": np.asarray(jax.jit(generator.apply)(g_variables, z))}
    key = jax.random.key(values.seed + 1)
    for name, epsilons in settings.items():
        report(f"sampling {name} (epsilons {epsilons}, {values.steps} steps)")
        dv = priors[name]
        run = sampler(epsilons, dv is not None)
        samples[name] = np.concatenate([
            np.asarray(run(g_variables, guide.params, dv, z[i : i + CHUNK],
                           labels[i : i + CHUNK], jax.random.fold_in(key, i)))
            for i in range(0, count, CHUNK)
        ])  # fmt: skip
    if values.baseline:
        from experiments.sample import apply_in_chunks, sample_inputs

        base_config, base_generator, base_variables, base_step, base_which = restore_generator(
            values.baseline
        )
        if base_config.conditioning != "labels" or base_config.num_classes != 10:
            raise ValueError(f"--baseline={values.baseline} is not a 10-class CGAN run "
                             f"(conditioning {base_config.conditioning!r})")  # fmt: skip
        report(f"sampling cgan: {values.baseline} at step {base_step}, {base_which}")
        inputs = sample_inputs(base_config, count, values.seed)
        samples["cgan"] = apply_in_chunks(base_generator.apply, base_variables, inputs)
    return samples, {"epsilons": {name: list(e) for name, e in settings.items()}, **trained}


def score(samples, judge, guide) -> dict:
    """The judge's (and the guide's) accuracy on the requested digits, within-class and
    overall Fréchet distances, and the score."""
    import numpy as np

    from experiments.sample import requested_labels
    from jaxgan.metrics.classifier import dataset_images
    from jaxgan.metrics.frechet import frechet_distance

    train, train_labels = dataset_images(judge.dataset, "train")
    real = {y: judge.statistics(train[train_labels == y]) for y in range(10)}
    labels = requested_labels(len(samples), 10)
    samples = np.clip(samples, -1.0, 1.0)
    predicted = judge.logits(samples).argmax(axis=1)
    correct = predicted == labels
    per_class = [float(np.mean(correct[labels == y])) for y in range(10)]
    class_fd = []
    for y in range(10):
        mine = judge.statistics(samples[labels == y])
        class_fd.append(frechet_distance(mine.mean, mine.covariance, real[y].mean,
                                         real[y].covariance))  # fmt: skip
    return {
        "conditional_accuracy": float(np.mean(correct)),
        "conditional_accuracy_worst_class": min(per_class),
        "guide_accuracy": float(np.mean(guide.logits(samples).argmax(axis=1) == labels)),
        "class_frechet_distance": float(np.mean(class_fd)),
        "classifier_frechet_distance": judge.frechet_distance(samples, train),
        "classifier_score": judge.score(samples)[0],
    }


def figure(samples: dict, results: dict, path, per_digit: int = 6) -> None:
    """Each set as a grid: one row per requested digit, ``per_digit`` samples in each."""
    import numpy as np

    from jaxgan import summaries

    plt = summaries._pyplot()  # noqa: SLF001
    fig, axes = plt.subplots(1, len(samples), figsize=(3.3 * len(samples), 2.6))
    per_digit = min(per_digit, len(next(iter(samples.values()))) // 10)
    for ax, (name, values) in zip(np.atleast_1d(axes), samples.items(), strict=True):
        grid = values[: 10 * per_digit, ..., 0].reshape(per_digit, 10, *values.shape[1:3])
        ax.imshow(np.concatenate(np.concatenate(grid, axis=2), axis=0), cmap="gray", vmin=-1,
                  vmax=1)  # fmt: skip
        row = results[name]
        ax.set_title(f"{name}\nacc {100 * row['conditional_accuracy']:.0f}%  class FD "
                     f"{row['class_frechet_distance']:.0f}", fontsize=9)  # fmt: skip
    cli.finish_figure(fig, axes, path)


def _prepare(values, say):
    cli.trained_config(values.workdir, datasets=DIGITS, purpose="guided sampling")
    if values.baseline:
        cli.trained_config(values.baseline, datasets=DIGITS, purpose="the cgan baseline")
    _check(values)
    from jaxgan.metrics.classifier import DigitClassifier

    guide = DigitClassifier.load_or_train("mnist_5k", report=say)
    judge = DigitClassifier.load_or_train("mnist_5k", seed=1, report=say)
    samples, settings = draw(values.workdir, values, guide, report=say)
    return guide, judge, samples, settings


def _finish(values, prepared, say) -> int:
    import pathlib

    guide, judge, samples, settings = prepared
    say("scoring each set with the judge (seed 1) and the guide (seed 0)")
    results = {name: score(values_, judge, guide) for name, values_ in samples.items()}
    payload = {
        "per_class": values.per_class, "steps": values.steps, "seed": values.seed,
        **settings, "baseline": values.baseline, "judge_accuracy": judge.accuracy,
        "guide_accuracy": guide.accuracy, "encoder_steps": values.encoder_steps,
        "dae_steps": values.dae_steps, "dae_noise_std": values.dae_noise_std,
        "results": results,
    }  # fmt: skip
    workdir = pathlib.Path(values.workdir)
    figure(samples, results, workdir / "guided_sampling.png")
    cli.write_results(workdir, "guided_sampling", payload, results)
    return 0


def main(argv=None) -> int:
    return cli.run_tool(__doc__, define_flags, argv, _prepare, _finish)


if __name__ == "__main__":
    sys.exit(main())
