#!/usr/bin/env python3
"""PyTorch DDP (gloo) side of dgm's `overhead` bench: per-step cost of distribution for a tiny GAN.

Specification (the same model, data and step as `overhead` trains with dgm):
- mlp-gan as dgm's createModel('mlp-gan', { latentDim: LATENT, hidden: [HIDDEN] }) builds it:
  G: dense LATENT -> HIDDEN, LeakyReLU 0.2, dense HIDDEN -> 784, tanh (a 28x28x1 image);
  D: flatten, dense 784 -> HIDDEN, LeakyReLU 0.2, dense HIDDEN -> 1 (logit).
  Defaults LATENT 4, HIDDEN 16: the bench's model. The bench checks the parameter shapes printed
  below against dgm's own model before it uses a figure.
- Data: the uint8 28x28 images of --images (the bench writes dgm's MNIST training split there;
  without it, uniform random bytes), scaled to [-1, 1] as dgm does (x / 255 * 2 - 1); each epoch
  a permutation of them (the same on every rank), step s takes the window [s*B, (s+1)*B) of it
  and rank r its r-th slice of B/N images (GLOBAL_BATCH B, default 8).
- One step = dgm's two phases, each with ONE gradient all-reduce:
  D: fake = G(z_d) without gradient (dgm draws it off the tape), D's loss = mean BCE(D(real), 1)
     + mean BCE(D(fake), 0) (non-saturating, D sees real and fake in two calls), backward,
     all-reduce (average) of D's gradient, Adam step;
  G: fresh z_g, G's loss = mean BCE(D(G(z_g)), 1) with D frozen and called as the bare module
     (dgm differentiates G's variables only, so D's weight gradients are neither computed nor
     averaged in this phase; through the DDP wrapper they would be, or DDP would wait for them),
     backward, all-reduce of G's gradient, Adam step.
  Adam(lr 2e-4, betas 0.5, 0.999, eps 1e-8) per sub-model: dgm's GAN defaults.
- N processes on this host, DistributedDataParallel over gloo, torch.set_num_threads(1) in each
  (dgm's workers compute on one wasm thread), rendezvous over loopback TCP.

How the time inside the all-reduce is taken. dgm's worker times its `reduce` on its own thread,
from handing the flat gradient over to having the average back (so the faster worker's reduce
holds its wait for the slower one, and its own wake-up when the average arrives); compute is the
step's wall time minus that. Here DDP runs as users run it, untouched: its reducer, its built-in
all-reduce (C++), one bucket per sub-model (each gradient is about 50 KB; the bucket count is
read back from DDP and printed). DDP launches a bucket's all-reduce the moment the last of its
gradients is accumulated, then holds backward() until the all-reduce is done and the averages are
copied back into .grad. So a rank's time inside the all-reduce runs from its last gradient of the
phase (a tensor hook on every parameter notes the time each gradient is computed, on the training
thread) to backward() returning: the same span as dgm's reduce, give or take the accumulation of
that last gradient into the bucket (microseconds at this size). Other ways were tried and not
taken: a Python communication hook (PyTorch's stock allreduce_hook, timed) made the step ~10 %
slower than DDP's built-in all-reduce under load (BENCHMARKS.md; likely its completion callback,
which needs the GIL on gloo's thread); timing the all-reduce's future inside such a hook would also miss the
training thread's wake-up, which dgm counts; no_sync plus one explicit all_reduce of the
flattened gradients would time the same collective but measure gloo in a hand-written loop, not
DDP.

Per step s, with end[r][s] the perf_counter (CLOCK_MONOTONIC: one clock for every process on the
host) at which rank r finished step s and end[r][-1] its start after a barrier:
  step_ms    = max_r end[r][s] - max_r end[r][s-1]   (what dgm's coordinator measures: the time
               one step adds to the run)
  compute[r] = end[r][s] - end[r][s-1] - reduce[r][s] (dgm's worker: step wall time minus reduce)
Rank 0 prints one JSON line with a record per step in dgm's StepRecord field names, which
tools/bench/step-overhead.ts reduces with the same code as dgm's runs:

  {"impl": "torch-ddp-gloo", "model": "mlp-gan", "n": N, "global_batch": B, "steps": S,
   "param_shapes": {"d": [[784, 16], ...], "g": [...]}, "allreduces_per_step": {"d": 1, "g": 1},
   "replicas_equal": true, "records": [{"stepMs", "computeMs", "reduceMs", "workerComputeMs"}, ...]}

param_shapes are in dgm's orientation (a dense kernel [in, out]); allreduces_per_step is the most
buckets (all-reduces per backward) DDP made of a sub-model's gradients on any rank; replicas_equal says every rank ended with the
same bits of every parameter (DDP's promise, checked after the timed steps).

Run (Debian: apt-get install python3-torch, PyTorch 1.13):

  /usr/bin/python3 tools/bench/torch/ddp_overhead.py N STEPS [--latent 4] [--hidden 16]
        [--global-batch 8] [--images FILE]   # FILE: raw uint8, 784 bytes per image
"""
import argparse
import json
import os
import socket
import time

import numpy as np
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn
from torch.nn.parallel import DistributedDataParallel

PIXELS = 28 * 28


def generator(latent, hidden):
    return nn.Sequential(nn.Linear(latent, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, PIXELS), nn.Tanh())


def discriminator(hidden):
    return nn.Sequential(nn.Linear(PIXELS, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, 1))


def adam(module):
    return torch.optim.Adam(module.parameters(), lr=2e-4, betas=(0.5, 0.999), eps=1e-8)


class LastGradientClock:
    """When backward last computed a gradient of one of `module`'s parameters (DDP's bucket is ready right after)."""

    def __init__(self, module):
        self.last = None
        for p in module.parameters():
            p.register_hook(self.seen)

    def seen(self, grad):
        self.last = time.perf_counter()  # returns None: the gradient goes on unchanged

    def since_last(self, now):
        """Seconds from the phase's last gradient to `now` (backward's return); then starts afresh."""
        if self.last is None:
            raise RuntimeError("backward computed no gradient of this sub-model")
        seconds, self.last = now - self.last, None
        return seconds


def buckets(ddp):
    """How many buckets (so all-reduces per backward) DDP made of the module's gradients, as it reports them."""
    data = ddp._get_ddp_logging_data()
    sizes = data.get("rebuilt_bucket_sizes") or data["bucket_sizes"]
    return len(str(sizes).split(","))


def dense_shapes(module):
    """Parameter shapes in dgm's orientation: a Linear's weight [out, in] is tfjs' kernel [in, out]."""
    return [list(reversed(p.shape)) if p.dim() == 2 else list(p.shape) for p in module.parameters()]


def load_images(path, seed):
    if path is None:
        return torch.randint(0, 256, (8000, PIXELS), dtype=torch.uint8, generator=torch.Generator().manual_seed(seed))
    raw = np.fromfile(path, dtype=np.uint8)
    return torch.from_numpy(raw.reshape(-1, PIXELS))


def rank_main(rank, world, port, o):
    torch.set_num_threads(1)
    torch.manual_seed(rank)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world)
    try:
        run_rank(rank, world, o)
    finally:
        dist.destroy_process_group()


def run_rank(rank, world, o):
    images = load_images(o.images, 1)
    per_rank = o.global_batch // world
    g_plain, d_plain = generator(o.latent, o.hidden), discriminator(o.hidden)
    g, d = DistributedDataParallel(g_plain), DistributedDataParallel(d_plain)
    clocks = {"d": LastGradientClock(d_plain), "g": LastGradientClock(g_plain)}
    opt_g, opt_d = adam(g), adam(d)
    bce = nn.BCEWithLogitsLoss()
    ones, zeros = torch.ones(per_rank, 1), torch.zeros(per_rank, 1)
    order = torch.Generator().manual_seed(1)  # the same permutation on every rank
    windows_per_epoch = images.shape[0] // o.global_batch
    permutation = None

    ends, reduces = [], []
    dist.barrier()
    start = time.perf_counter()
    for s in range(o.steps):
        if s % windows_per_epoch == 0:
            permutation = torch.randperm(images.shape[0], generator=order)
        at = (s % windows_per_epoch) * o.global_batch + rank * per_rank
        real = images[permutation[at:at + per_rank]].float().div_(255).mul_(2).sub_(1)

        with torch.no_grad():
            fake = g(torch.randn(per_rank, o.latent))
        opt_d.zero_grad()
        (bce(d(real), ones) + bce(d(fake), zeros)).backward()
        inside = clocks["d"].since_last(time.perf_counter())
        opt_d.step()

        d_plain.requires_grad_(False)
        opt_g.zero_grad()
        bce(d_plain(g(torch.randn(per_rank, o.latent))), ones).backward()
        inside += clocks["g"].since_last(time.perf_counter())
        opt_g.step()
        d_plain.requires_grad_(True)

        ends.append(time.perf_counter())
        reduces.append(inside)

    # Everything below is after the timed steps: gather every rank's timestamps and compare replicas.
    mine = torch.tensor([start, *ends, *reduces, buckets(d), buckets(g)], dtype=torch.float64)
    everyone = [torch.empty_like(mine) for _ in range(world)]
    dist.all_gather(everyone, mine)
    flat = torch.cat([p.detach().reshape(-1) for p in [*g_plain.parameters(), *d_plain.parameters()]])
    replicas = [torch.empty_like(flat) for _ in range(world)]
    dist.all_gather(replicas, flat)
    if rank == 0:
        print(json.dumps({
            "impl": "torch-ddp-gloo", "model": "mlp-gan", "n": world, "global_batch": o.global_batch, "steps": o.steps,
            "param_shapes": {"d": dense_shapes(d_plain), "g": dense_shapes(g_plain)},
            "allreduces_per_step": {"d": int(max(e[-2] for e in everyone)), "g": int(max(e[-1] for e in everyone))},
            "replicas_equal": all(torch.equal(replicas[0], r) for r in replicas),
            "records": step_records([e.tolist() for e in everyone], o.steps),
        }), flush=True)


def step_records(gathered, steps):
    """dgm's StepRecord fields per step, from each rank's [start, ends..., reduces..., buckets d, buckets g]."""
    ends = [row[0:steps + 1] for row in gathered]  # ends[r][0] is the start, ends[r][s+1] step s's end
    reduces = [row[steps + 1:2 * steps + 1] for row in gathered]
    records = []
    for s in range(steps):
        compute = [(ends[r][s + 1] - ends[r][s] - reduces[r][s]) * 1000 for r in range(len(gathered))]
        records.append({
            "stepMs": (max(e[s + 1] for e in ends) - max(e[s] for e in ends)) * 1000,
            "computeMs": max(compute),
            "reduceMs": max(r[s] for r in reduces) * 1000,
            "workerComputeMs": compute,
        })
    return records


def free_loopback_port():
    # The OS picks a port nobody holds, so two benches (or two helpers) on one machine do not collide.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser(description="dgm's overhead bench model trained with PyTorch DDP (gloo); per-step timings as JSON.")
    parser.add_argument("n", type=int, help="number of processes")
    parser.add_argument("steps", type=int, help="steps to time (the caller drops its warm-up steps)")
    parser.add_argument("--latent", type=int, default=4, help="latent size (default 4)")
    parser.add_argument("--hidden", type=int, default=16, help="hidden width of G and D (default 16)")
    parser.add_argument("--global-batch", type=int, default=8, help="images per step over all ranks (default 8)")
    parser.add_argument("--images", help="raw uint8 file of 28x28 images (default: random bytes)")
    o = parser.parse_args()
    for name in ("n", "steps", "latent", "hidden", "global_batch"):
        if getattr(o, name) < 1:
            parser.error(f"{name} must be 1 or more; got {getattr(o, name)}")
    if o.global_batch % o.n:
        parser.error(f"the global batch ({o.global_batch}) must split evenly over the {o.n} processes")
    if o.images is not None:
        size = os.path.getsize(o.images) if os.path.isfile(o.images) else -1
        if size < PIXELS * o.global_batch or size % PIXELS:
            parser.error(f"--images must be a file of whole 784-byte images, at least {o.global_batch} of them; got {o.images!r}")
    # Forked ranks start at once with torch already imported (a spawned one imports it afresh:
    # seconds on a busy machine); the parent has run no tensor op and started no thread pool yet.
    mp.start_processes(rank_main, args=(o.n, free_loopback_port(), o), nprocs=o.n, start_method="fork")


if __name__ == "__main__":
    main()
