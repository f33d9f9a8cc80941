"""The benchmark models written in PyTorch, for ``experiments.benchmark --compare torch``.

Same layers, losses, optimisers, batch sizes and update order as ``experiments/benchmark.py``
(the PyTorch DCGAN reference's step: G forward once, D on real and detached fake, then G
through D). PyTorch is an optional dependency (the test extra).
"""

from __future__ import annotations

import os
import statistics
import time

import torch
from torch import nn


def _dcgan28_generator():
    return nn.Sequential(
        nn.Linear(100, 7 * 7 * 128, bias=False), nn.Unflatten(1, (128, 7, 7)),
        nn.BatchNorm2d(128), nn.ReLU(),
        nn.ConvTranspose2d(128, 64, 4, 2, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
        nn.ConvTranspose2d(64, 1, 4, 2, 1, bias=False), nn.Tanh(),
    )  # fmt: skip


def _dcgan28_discriminator(batch_norm: bool):
    return nn.Sequential(
        nn.Conv2d(1, 64, 4, 2, 1, bias=False), nn.LeakyReLU(0.2),
        nn.Conv2d(64, 128, 4, 2, 1, bias=False),
        nn.BatchNorm2d(128) if batch_norm else nn.Identity(), nn.LeakyReLU(0.2),
        nn.Flatten(), nn.Linear(7 * 7 * 128, 1, bias=False),
    )  # fmt: skip


def _dcgan64_generator():
    layers, width = [nn.Unflatten(1, (100, 1, 1))], 100
    for out in (512, 256, 128, 64):
        stride, pad = (1, 0) if width == 100 else (2, 1)
        layers += [
            nn.ConvTranspose2d(width, out, 4, stride, pad, bias=False),
            nn.BatchNorm2d(out),
            nn.ReLU(),
        ]
        width = out
    return nn.Sequential(*layers, nn.ConvTranspose2d(64, 3, 4, 2, 1, bias=False), nn.Tanh())


def _dcgan64_discriminator():
    layers, width = [], 3
    for i, out in enumerate((64, 128, 256, 512)):
        layers += [nn.Conv2d(width, out, 4, 2, 1, bias=False)]
        layers += [nn.BatchNorm2d(out)] if i else []
        layers += [nn.LeakyReLU(0.2)]
        width = out
    return nn.Sequential(*layers, nn.Conv2d(512, 1, 4, 1, 0, bias=False), nn.Flatten())


def _mlp(inputs, outputs, activation):
    return nn.Sequential(
        nn.Linear(inputs, 128),
        activation(),
        nn.Linear(128, 128),
        activation(),
        nn.Linear(128, outputs),
    )


def build(model: str):
    """``(G, D, opt_g, opt_d, latent_dim, example_shape, loss, n_critic)`` for ``model``."""
    if model in ("dcgan28", "wgangp28"):
        g, d = _dcgan28_generator(), _dcgan28_discriminator(batch_norm=model == "dcgan28")
        latent, shape = 100, (1, 28, 28)
    elif model == "dcgan64":
        g, d, latent, shape = _dcgan64_generator(), _dcgan64_discriminator(), 100, (3, 64, 64)
    elif model == "mlp_ring8":
        g, d = _mlp(2, 2, nn.ReLU), _mlp(2, 1, lambda: nn.LeakyReLU(0.2))
        latent, shape = 2, (2,)
    else:
        raise ValueError(f"unknown benchmark model {model!r}")
    if model == "wgangp28":
        opt_g = torch.optim.Adam(g.parameters(), 1e-4, betas=(0.0, 0.9))
        opt_d = torch.optim.Adam(d.parameters(), 1e-4, betas=(0.0, 0.9))
        return g, d, opt_g, opt_d, latent, shape, "wgan-gp", 5
    lr = 1e-3 if model == "mlp_ring8" else 2e-4
    opt_g = torch.optim.Adam(g.parameters(), lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), lr, betas=(0.5, 0.999))
    return g, d, opt_g, opt_d, latent, shape, "non-saturating", 1


def _step_fn(model: str, batch_size: int):
    g, d, opt_g, opt_d, latent, shape, loss, n_critic = build(model)
    bce = nn.BCEWithLogitsLoss()
    ones, zeros = torch.ones(batch_size, 1), torch.zeros(batch_size, 1)
    reals = [torch.rand(batch_size, *shape) * 2 - 1 for _ in range(n_critic)]

    def non_saturating_step():
        fake = g(torch.randn(batch_size, latent))
        opt_d.zero_grad()
        d_loss = bce(d(reals[0]).view(-1, 1), ones) + bce(d(fake.detach()).view(-1, 1), zeros)
        d_loss.backward()
        opt_d.step()
        opt_g.zero_grad()
        g_loss = bce(d(fake).view(-1, 1), ones)
        g_loss.backward()
        opt_g.step()

    def wgan_gp_step():
        for real in reals:
            fake = g(torch.randn(batch_size, latent)).detach()
            opt_d.zero_grad()
            eps = torch.rand(batch_size, 1, 1, 1)
            mixed = (eps * real + (1 - eps) * fake).requires_grad_(True)
            grads = torch.autograd.grad(d(mixed).sum(), mixed, create_graph=True)[0]
            penalty = ((grads.flatten(1).norm(dim=1) - 1) ** 2).mean()
            d_loss = d(fake).mean() - d(real).mean() + 10.0 * penalty
            d_loss.backward()
            opt_d.step()
        opt_g.zero_grad()
        g_loss = -d(g(torch.randn(batch_size, latent))).mean()
        g_loss.backward()
        opt_g.step()

    return (wgan_gp_step if loss == "wgan-gp" else non_saturating_step), g, d


def benchmark(model: str, *, batch_size: int, repeats: int = 5, steps: int = 5) -> dict:
    """Steps/s and images/s of the PyTorch step, timed like the JAX one."""
    torch.set_num_threads(os.cpu_count() or 1)
    torch.manual_seed(0)
    step, g, d = _step_fn(model, batch_size)
    start = time.perf_counter()
    step()
    first_step_s = time.perf_counter() - start
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps):
            step()
        rates.append(steps / (time.perf_counter() - start))
    steps_per_s = statistics.median(rates)
    return {
        "framework": f"torch {torch.__version__}",
        "model": model,
        "device_kind": "cpu",
        "threads": torch.get_num_threads(),
        "batch_size": batch_size,
        "steps_per_s": steps_per_s,
        "steps_per_s_spread": [min(rates), max(rates)],
        "images_per_s": steps_per_s * batch_size,
        "first_step_s": first_step_s,
        "generator_params": sum(p.numel() for p in g.parameters()),
        "discriminator_params": sum(p.numel() for p in d.parameters()),
    }
