"""The shared supervised training loop: Adam, cosine learning rate, fixed seeds."""
from __future__ import annotations

import random
import time
from typing import Callable, Iterable

import numpy as np
import torch

THREADS = 1  # 2 shared cores: a second OpenMP thread spins against the compilers and runs
#             ~30x slower, so one thread is both politer and faster


def seed_everything(seed: int) -> np.random.Generator:
    """Seed every generator training touches, and pin the thread count, so a rerun with the
    same seed reproduces the same weights on the same machine."""
    torch.set_num_threads(THREADS)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return np.random.default_rng(seed)


def fit(net: torch.nn.Module, epochs: int,
        batches: Callable[[int], Iterable[tuple[torch.Tensor, torch.Tensor]]],
        loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
        lr: float = 1e-3, log: Callable[[str], None] = print) -> float:
    """Train for `epochs`; batches(epoch) yields (input, target). Returns wall seconds."""
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs)
    start = time.time()
    for epoch in range(epochs):
        net.train()
        total, count = 0.0, 0
        for x, y in batches(epoch):
            loss = loss_fn(net(x), y)
            opt.zero_grad()
            loss.backward()
            # Outage windows give large log ratios; clipping keeps one batch from
            # undoing an epoch.
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            opt.step()
            total += float(loss) * len(x)
            count += len(x)
        sched.step()
        log(f"  epoch {epoch + 1}/{epochs}: train loss {total / count:.5f} "
            f"({time.time() - start:.0f} s)")
    net.eval()
    return time.time() - start
