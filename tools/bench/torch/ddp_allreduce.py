#!/usr/bin/env python3
"""PyTorch reference for dgm's `allreduce` bench: float32 all-reduce among N local processes.

Specification (the same as the team's anchor scripts, which stay the yardstick): PyTorch's
torch.distributed with the gloo backend, N processes on this host, one intra-op thread each,
rendezvous over loopback TCP. For every buffer size S (bytes) each rank all-reduces a float32
tensor of S/4 elements: 2 untimed warm-up calls, then REPS timed calls, each timed call after a
barrier so that all ranks start together. Rank 0 prints one JSON line per size:

  {"impl": "torch-gloo", "n": N, "bytes": S, "sec": median seconds of rank 0's calls,
   "algbw_GBs": S / sec / 1e9, "busbw_GBs": algbw * 2(N-1)/N}

(algbw and busbw as nccl-tests define them.)

Run (Debian: apt-get install python3-torch, PyTorch 1.13):

  /usr/bin/python3 tools/bench/torch/ddp_allreduce.py [N]        # N processes, default 2
  SIZES=4096,1048576 REPS=5 /usr/bin/python3 tools/bench/torch/ddp_allreduce.py 4

One rank per host (as on a cluster): when RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT are all
set, this process is that one rank and rendezvous goes to MASTER_ADDR:MASTER_PORT (set
GLOO_SOCKET_IFNAME to the host's interface); run it on every host. tools/bench/cluster-limits.ts
does so on the simulated cluster.

SIZES (comma-separated bytes, each a multiple of 4) and REPS override the defaults below.
tools/bench/allreduce-anchors.ts runs this file and parses its JSON lines.
"""
import argparse
import json
import os
import socket
import statistics
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

DEFAULT_SIZES = "4096,262144,1048576,4194304,16777216,67108864"
DEFAULT_REPS = "10"
WARMUP_CALLS = 2


def read_settings():
    """SIZES and REPS from the environment, checked here so a typo fails before any process starts."""
    raw_sizes, raw_reps = os.environ.get("SIZES", DEFAULT_SIZES), os.environ.get("REPS", DEFAULT_REPS)
    try:
        sizes = [int(s) for s in raw_sizes.split(",")]
        reps = int(raw_reps)
    except ValueError:
        raise SystemExit(f"SIZES must be comma-separated byte counts and REPS a count; got SIZES={raw_sizes!r} REPS={raw_reps!r}")
    if reps < 1 or any(s < 4 or s % 4 for s in sizes):
        raise SystemExit(f"SIZES must be multiples of 4 bytes (>= 4) and REPS >= 1; got SIZES={raw_sizes!r} REPS={raw_reps!r}")
    return sizes, reps


def free_loopback_port():
    # The OS picks a port nobody holds, so two benches (or two helpers) on one machine do not collide.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def time_all_reduce(buffer, reps):
    """Median wall seconds of one all_reduce, each call started together after a barrier."""
    for _ in range(WARMUP_CALLS):
        dist.all_reduce(buffer)
    seconds = []
    for _ in range(reps):
        dist.barrier()
        start = time.perf_counter()
        dist.all_reduce(buffer)
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


def rank_main(rank, world, port, sizes, reps, master="127.0.0.1"):
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"tcp://{master}:{port}", rank=rank, world_size=world)
    try:
        for size in sizes:
            sec = time_all_reduce(torch.ones(size // 4, dtype=torch.float32), reps)
            if rank == 0:
                algbw = size / sec / 1e9
                row = {"impl": "torch-gloo", "n": world, "bytes": size, "sec": sec,
                       "algbw_GBs": algbw, "busbw_GBs": algbw * 2 * (world - 1) / world}
                print(json.dumps(row), flush=True)
    finally:
        dist.destroy_process_group()


def main():
    parser = argparse.ArgumentParser(description="PyTorch gloo all-reduce, one JSON line per buffer size.")
    parser.add_argument("n", nargs="?", type=int, default=2, help="number of processes (default 2)")
    args = parser.parse_args()
    if args.n < 1:
        parser.error(f"N must be 1 or more; got {args.n}")
    sizes, reps = read_settings()
    placed = [os.environ.get(k) for k in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")]
    if all(placed):
        rank, world, master, port = int(placed[0]), int(placed[1]), placed[2], int(placed[3])
        if not 0 <= rank < world:
            parser.error(f"RANK must be in 0..WORLD_SIZE-1; got RANK={rank} WORLD_SIZE={world}")
        rank_main(rank, world, port, sizes, reps, master)
        return
    if any(placed):
        parser.error("set all of RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT (one rank per host) or none of them")
    mp.spawn(rank_main, args=(args.n, free_loopback_port(), sizes, reps), nprocs=args.n)


if __name__ == "__main__":
    main()
