"""The DCGAN-28 main job written independently in PyTorch, to compare jaxgan's training with.

  python -m experiments.torch_twin --config experiments/configs/dcgan_mnist.py:adam2e-3 \
      --workdir /tmp/twin
  python -m experiments.evaluate --workdir /tmp/twin

Takes the same config and ``--config.*`` overrides as ``experiments.train`` and mirrors a
DCGAN-28 run on ``mnist_5k``: the same layers (G: Dense 7x7x2ngf -> BN -> ReLU -> ConvT
ngf -> BN -> ReLU -> ConvT C -> tanh; D: Conv ndf -> LeakyReLU 0.2 -> Conv 2ndf -> BN ->
LeakyReLU -> Dense 1), with a bias exactly where the config's ``use_bias`` gives one
(G's output layer; D's first and last layers), DCGAN initialisation (weights N(0, 0.02),
BatchNorm scales N(1, 0.02)), the non-saturating loss, Adam with the config's settings,
its batch size and number of steps, and the EMA of G's weights with BatchNorm
statistics recomputed for them when ``ema_decay`` is set. A CGAN run
(``conditioning='labels'``, such as the main job's default self-conditioned
``kmeans10``) is mirrored too: G reads ``concat(z, one_hot(label))`` and D the one-hot
label appended to the image as constant channels, as ``jaxgan.models.conditional``
has them; G draws each batch's fakes with the real digits' labels, as jaxgan's step
does, and the labels are the dataset's or, for ``label_source='kmeans'``, the same
k-means clusters jaxgan fits (``jaxgan.data.clusters``), drawn for the final samples in
the order ``experiments.sample.sampled_labels`` gives. The data order and the
latents are PyTorch's own, seeded by ``config.seed``: a twin, not a bit-for-bit copy.

Writes ``samples.npz`` (``num_final_samples`` images, NHWC in [-1, 1]), ``samples.png``
(the first 100) and ``summary.json`` with ``"samples_only": true``, which
``experiments.evaluate`` scores with jaxgan's digit classifier as it scores a jaxgan
run. Anything the twin does not mirror (another model, loss, dataset, optimiser,
penalty, a projection or AC-GAN discriminator) is refused with the list of what it
supports. PyTorch is an optional dependency (the test extra).
"""

from __future__ import annotations

import json
import os
import pathlib
import sys
import time

from experiments import cli

SUPPORTED = {
    "dataset": ("mnist_5k",),
    "model": ("dcgan",),
    "loss": ("non_saturating",),
    "conditioning": ("none", "labels"),
    "update_order": ("alternating",),
}


def check(config) -> None:
    """Raises ``cli.UsageError`` naming every field the twin does not mirror."""
    problems = [
        f"{field}={config[field]!r} (the twin supports {allowed})"
        for field, allowed in SUPPORTED.items()
        if config[field] not in allowed
    ]
    for player in ("generator", "discriminator"):
        if config[player].get("image_size", 28) != 28:
            problems.append(f"{player}.image_size={config[player].image_size} (only 28)")
        if config[f"{player}_optimizer"].name != "adam":
            problems.append(f"{player}_optimizer.name={config[f'{player}_optimizer'].name!r}")
    if config.discriminator.get("normalization", "batch") != "batch":
        problems.append(f"discriminator.normalization={config.discriminator.normalization!r}")
    for field, neutral in (("packing", 1), ("n_critic", 1), ("unrolled_steps", 0),
                           ("feature_matching_weight", 0.0), ("label_smoothing", 0.0)):  # fmt: skip
        if config[field] != neutral:
            problems.append(f"{field}={config[field]!r} (only {neutral!r})")
    if dict(config.penalties) or dict(config.regularizers) or config.add_regularizers:
        problems.append("penalties/regularizers (none)")
    if config.augmentation.name:
        problems.append(f"augmentation.name={config.augmentation.name!r} (none)")
    if problems:
        raise cli.UsageError("experiments.torch_twin does not mirror " + "; ".join(problems))


def build(config):
    """``(generator, discriminator)`` as ``torch.nn`` modules, DCGAN-initialised.

    For a CGAN run their inputs are :func:`generator_input` and
    :func:`discriminator_input`: ``num_classes`` more latent units and image channels.
    """
    from torch import nn

    classes = label_count(config)
    latent, channels = config.latent_dim + classes, config.generator.channels
    ngf, ndf = config.generator.ngf, config.discriminator.ndf
    g_bias = bool(config.generator.get("use_bias", False))
    d_bias = bool(config.discriminator.get("use_bias", False))
    generator = nn.Sequential(
        nn.Linear(latent, 7 * 7 * 2 * ngf, bias=False), nn.Unflatten(1, (2 * ngf, 7, 7)),
        nn.BatchNorm2d(2 * ngf), nn.ReLU(),
        nn.ConvTranspose2d(2 * ngf, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(),
        nn.ConvTranspose2d(ngf, channels, 4, 2, 1, bias=g_bias), nn.Tanh(),
    )  # fmt: skip
    discriminator = nn.Sequential(
        nn.Conv2d(channels + classes, ndf, 4, 2, 1, bias=d_bias), nn.LeakyReLU(0.2),
        nn.Conv2d(ndf, 2 * ndf, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * ndf),
        nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(7 * 7 * 2 * ndf, 1, bias=d_bias),
    )  # fmt: skip
    for module in (*generator.modules(), *discriminator.modules()):
        if isinstance(module, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(module.weight, 0.0, 0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.BatchNorm2d):
            nn.init.normal_(module.weight, 1.0, 0.02)
            nn.init.zeros_(module.bias)
    return generator, discriminator


def label_count(config) -> int:
    """How many labels G and D are conditioned on: 0 for an unconditional run."""
    return config.num_classes if config.conditioning == "labels" else 0


def generator_input(z, labels, classes: int):
    """G's input: ``z`` ``(B, latent_dim)`` with ``one_hot(labels)`` appended (CGAN);
    ``z`` itself when ``classes`` is 0."""
    import torch
    import torch.nn.functional as F

    if not classes:
        return z
    return torch.cat([z, F.one_hot(labels, classes).to(z.dtype)], dim=1)


def discriminator_input(images, labels, classes: int):
    """D's input: NCHW ``images`` with ``one_hot(labels)`` appended as ``classes``
    constant channels (CGAN); the images themselves when ``classes`` is 0."""
    import torch
    import torch.nn.functional as F

    if not classes:
        return images
    code = F.one_hot(labels, classes).to(images.dtype)[:, :, None, None]
    size = images.shape
    return torch.cat([images, code.expand(size[0], classes, size[2], size[3])], dim=1)


def training_labels(config, digits: dict):
    """The label of each training digit (``digits``: ``image`` uint8 NHWC, ``label``):
    its class, or for a self-conditioned run (``label_source='kmeans'``) its nearest of
    the k-means clusters jaxgan's input pipeline labels it with."""
    from jaxgan.config import cluster_count
    from jaxgan.data import clusters

    if not cluster_count(config):
        return digits["label"]
    fitted = clusters.dataset_clusters(config.dataset, config.num_classes, seed=config.seed)
    return fitted.assign(digits["image"])


def standing_statistics(
    generator, inputs, latent_dim: int, batch_size: int, examples: int, seed: int
):  # fmt: skip
    """Recomputes G's BatchNorm statistics for its current weights (cumulative averages
    over ``examples`` samples in training mode), as jaxgan does for its EMA. ``inputs(z,
    offset)`` is G's input for latents ``z`` of samples ``offset ..``."""
    import torch
    from torch import nn

    norms = [m for m in generator.modules() if isinstance(m, nn.BatchNorm2d)]
    for norm in norms:
        norm.reset_running_stats()
        norm.momentum = None  # cumulative average
    rng = torch.Generator().manual_seed(seed + 1_000_003)
    generator.train()
    with torch.no_grad():
        for index in range(-(-examples // batch_size)):
            z = torch.randn(batch_size, latent_dim, generator=rng)
            generator(inputs(z, index * batch_size))
    for norm in norms:
        norm.momentum = 0.1
    generator.eval()


def train(config, workdir: pathlib.Path, report=print) -> dict:
    """Trains the twin and writes ``samples.npz`` and ``summary.json`` in ``workdir``."""
    import copy

    import numpy as np
    import torch
    import torch.nn.functional as F

    from experiments.sample import STANDING_STATS_EXAMPLES, sampled_labels
    from jaxgan import summaries
    from jaxgan.data import offline

    check(config)
    torch.set_num_threads(len(os.sched_getaffinity(0)))  # one per core this run may use
    torch.manual_seed(config.seed)
    digits = offline.mnist_5k("train")
    data = torch.from_numpy(digits["image"].astype(np.float32) / 127.5 - 1)
    data = data.permute(0, 3, 1, 2).contiguous()  # NCHW
    classes = label_count(config)
    labels = torch.from_numpy(training_labels(config, digits).astype(np.int64))

    def sampler_input(z, offset):  # G's input for samples offset.., labelled as jaxgan's
        if not classes:
            return z
        requested = torch.from_numpy(sampled_labels(config, len(z), offset).astype(np.int64))
        return generator_input(z, requested, classes)

    generator, discriminator = build(config)

    def discriminate(images, label):
        return discriminator(discriminator_input(images, label, classes))

    ema = copy.deepcopy(generator) if config.ema_decay is not None else None

    def adam(params, settings):
        return torch.optim.Adam(params, lr=settings.learning_rate, betas=(settings.b1, settings.b2))

    g_opt = adam(generator.parameters(), config.generator_optimizer)
    d_opt = adam(discriminator.parameters(), config.discriminator_optimizer)
    rng = torch.Generator().manual_seed(config.seed)
    batch, order, position = config.batch_size, torch.randperm(len(data), generator=rng), 0
    ones, zeros = torch.ones(batch, 1), torch.zeros(batch, 1)
    report(f"Training the PyTorch twin of {config.model} in {workdir}: {config.num_steps} steps")
    start = time.perf_counter()
    generator.train(), discriminator.train()
    for step in range(1, config.num_steps + 1):
        if position + batch > len(data):
            order, position = torch.randperm(len(data), generator=rng), 0
        index = order[position : position + batch]
        real, label = data[index], labels[index]  # G draws its fakes with the real labels
        position += batch
        z = torch.randn(batch, config.latent_dim, generator=rng)
        fake = generator(generator_input(z, label, classes))
        d_loss = F.binary_cross_entropy_with_logits(
            discriminate(real, label), ones
        ) + F.binary_cross_entropy_with_logits(discriminate(fake.detach(), label), zeros)
        d_opt.zero_grad()
        d_loss.backward()
        d_opt.step()
        g_loss = F.binary_cross_entropy_with_logits(discriminate(fake, label), ones)
        g_opt.zero_grad()
        g_loss.backward()
        g_opt.step()
        if ema is not None:  # with jaxgan's warm-up (GAN.ema_warmup) unless switched off
            decay = config.ema_decay
            if config.get("ema_warmup", True):
                decay = min(decay, step / (9 + step))  # (1 + t) / (10 + t), t = step - 1
            with torch.no_grad():
                for target, source in zip(ema.parameters(), generator.parameters(), strict=True):
                    target.lerp_(source, 1 - decay)
        if step % config.log_every == 0 or step == config.num_steps:
            report(f"step {step}/{config.num_steps}  D {d_loss.item():.4f}  G {g_loss.item():.4f}")
    wall = time.perf_counter() - start
    sampler = generator
    if ema is not None:
        standing_statistics(
            ema, sampler_input, config.latent_dim, batch, STANDING_STATS_EXAMPLES, config.seed
        )
        sampler = ema
    sampler.eval()
    with torch.no_grad():
        latents = torch.randn(config.num_final_samples, config.latent_dim, generator=rng)
        samples = torch.cat([
            sampler(sampler_input(chunk, offset))
            for offset, chunk in zip(range(0, len(latents), 500), latents.split(500), strict=True)
        ])  # fmt: skip
    workdir.mkdir(parents=True, exist_ok=True)
    samples = samples.permute(0, 2, 3, 1).numpy()
    np.savez(workdir / "samples.npz", samples=samples)
    summaries.save_png(summaries.image_grid(samples[:100]), workdir / "samples.png")
    summary = {
        "samples_only": True, "program": "experiments.torch_twin", "dataset": config.dataset,
        "model": config.model, "loss": config.loss, "final_step": config.num_steps,
        "wall_time_s": wall, "config": config.to_dict(), "torch": torch.__version__,
    }  # fmt: skip
    (workdir / "summary.json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
    report(f"Done in {wall:.0f} s: {workdir}/ holds samples.npz, samples.png, summary.json.")
    return summary


def main(argv=None) -> int:
    from experiments.train import define_flags

    argv = list(sys.argv if argv is None else argv)
    if cli.wants_help(argv):
        return cli.print_help(__doc__, define_flags())
    try:
        values = cli.parse(define_flags, argv)
        if not values.workdir:
            raise cli.UsageError("--workdir is required")
        train(values.config, pathlib.Path(values.workdir))
    except cli.UsageError as error:
        return cli.fail(str(error))
    return 0


if __name__ == "__main__":
    sys.exit(main())
