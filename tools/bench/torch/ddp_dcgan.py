#!/usr/bin/env python3
"""PyTorch reference for dgm's `dcgan` and `scaling` benches: a 28x28x1 DCGAN trained with DDP on CPU.

Specification (the same as the team's anchor scripts, which stay the yardstick):
- G: dense 100 -> 7*7*128, reshape to 128x7x7, convT 64 k4 s2 p1, ReLU, convT 1 k4 s2 p1, tanh.
- D: conv 64 k4 s2 p1, LeakyReLU 0.2, conv 128 k4 s2 p1, LeakyReLU 0.2, flatten, dense 1 (logit).
  These are the layers of dgm's createModel('dcgan', { normalization: 'none' }) at width 64.
- N processes on this host, DistributedDataParallel over gloo, one intra-op thread each,
  rendezvous over loopback TCP; rank r seeds torch with r.
- Each rank trains on one fixed batch of B uniform random images in [-1, 1]. One step = one D step
  (BCE with logits, real -> 1, G(z).detach() -> 0) then one G step on the same G(z) (fake -> 1),
  each with its own Adam(lr 2e-4, betas 0.5, 0.999).
- 3 untimed warm-up steps, a barrier, STEPS timed steps, a barrier. Rank 0 prints one JSON line:

  {"impl": "torch-ddp-gloo", "model": "dcgan", "n": N, "batch_per_rank": B, "steps": STEPS,
   "sec_per_step": seconds / STEPS, "images_per_s": N * B * STEPS / seconds}

Run (Debian: apt-get install python3-torch, PyTorch 1.13):

  /usr/bin/python3 tools/bench/torch/ddp_dcgan.py N [BATCH_PER_RANK] [STEPS]   # defaults 64, 20

One rank per host (as on a cluster): when RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT are all
set, this process is that one rank (N must equal WORLD_SIZE) and rendezvous goes to
MASTER_ADDR:MASTER_PORT (set GLOO_SOCKET_IFNAME to the host's interface); run it on every host.
tools/bench/cluster-dcgan.ts does so on the simulated cluster.

tools/bench/torch-anchor.ts and allreduce-anchors.ts run this file and parse its JSON line (the
former runs it as __main__ under a wrapper that adds the worker processes' CPU time).
"""
import argparse
import json
import os
import socket
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn
from torch.nn.parallel import DistributedDataParallel

LATENT = 100
WARMUP_STEPS = 3


def generator():
    return nn.Sequential(
        nn.Linear(LATENT, 7 * 7 * 128),
        nn.Unflatten(1, (128, 7, 7)),
        nn.ConvTranspose2d(128, 64, kernel_size=4, stride=2, padding=1),
        nn.ReLU(),
        nn.ConvTranspose2d(64, 1, kernel_size=4, stride=2, padding=1),
        nn.Tanh(),
    )


def discriminator():
    return nn.Sequential(
        nn.Conv2d(1, 64, kernel_size=4, stride=2, padding=1),
        nn.LeakyReLU(0.2),
        nn.Conv2d(64, 128, kernel_size=4, stride=2, padding=1),
        nn.LeakyReLU(0.2),
        nn.Flatten(),
        nn.Linear(7 * 7 * 128, 1),
    )


def adam(module):
    return torch.optim.Adam(module.parameters(), lr=2e-4, betas=(0.5, 0.999))


def make_step(batch):
    """One GAN step on DDP-wrapped G and D: D on real and detached fake, then G through D."""
    g, d = DistributedDataParallel(generator()), DistributedDataParallel(discriminator())
    opt_g, opt_d = adam(g), adam(d)
    bce = nn.BCEWithLogitsLoss()
    real = torch.rand(batch, 1, 28, 28) * 2 - 1
    ones, zeros = torch.ones(batch, 1), torch.zeros(batch, 1)

    def step():
        fake = g(torch.randn(batch, LATENT))
        opt_d.zero_grad()
        (bce(d(real), ones) + bce(d(fake.detach()), zeros)).backward()
        opt_d.step()
        opt_g.zero_grad()
        bce(d(fake), ones).backward()
        opt_g.step()

    return step


def rank_main(rank, world, port, batch, steps, master="127.0.0.1"):
    torch.set_num_threads(1)
    torch.manual_seed(rank)
    dist.init_process_group("gloo", init_method=f"tcp://{master}:{port}", rank=rank, world_size=world)
    try:
        step = make_step(batch)
        for _ in range(WARMUP_STEPS):
            step()
        dist.barrier()
        start = time.perf_counter()
        for _ in range(steps):
            step()
        dist.barrier()
        seconds = time.perf_counter() - start
        if rank == 0:
            print(json.dumps({"impl": "torch-ddp-gloo", "model": "dcgan", "n": world, "batch_per_rank": batch,
                              "steps": steps, "sec_per_step": seconds / steps,
                              "images_per_s": world * batch * steps / seconds}), flush=True)
    finally:
        dist.destroy_process_group()


def free_loopback_port():
    # The OS picks a port nobody holds, so two benches (or two helpers) on one machine do not collide.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser(description="DCGAN trained with PyTorch DDP (gloo) on CPU; prints images/s.")
    parser.add_argument("n", type=int, help="number of processes")
    parser.add_argument("batch", nargs="?", type=int, default=64, help="batch per rank (default 64)")
    parser.add_argument("steps", nargs="?", type=int, default=20, help="timed steps (default 20)")
    args = parser.parse_args()
    for name in ("n", "batch", "steps"):
        if getattr(args, name) < 1:
            parser.error(f"{name.upper()} must be 1 or more; got {getattr(args, name)}")
    placed = [os.environ.get(k) for k in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")]
    if all(placed):
        rank, world, master, port = int(placed[0]), int(placed[1]), placed[2], int(placed[3])
        if world != args.n or not 0 <= rank < world:
            parser.error(f"RANK must be in 0..WORLD_SIZE-1 and WORLD_SIZE equal to N; got RANK={rank} WORLD_SIZE={world} N={args.n}")
        rank_main(rank, world, port, args.batch, args.steps, master)
        return
    if any(placed):
        parser.error("set all of RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT (one rank per host) or none of them")
    mp.spawn(rank_main, args=(args.n, free_loopback_port(), args.batch, args.steps), nprocs=args.n)


if __name__ == "__main__":
    main()
