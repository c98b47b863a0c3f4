#!/usr/bin/env python3
"""PyTorch counterparts of dgm's mlp-gan and vae, for side-by-side throughput on one CPU thread.

Usage: python3 dense_models.py (mlp-gan|vae) BATCH STEPS
Prints one JSON line: images/s over STEPS steps after 3 warm-up steps, and the CPU seconds
those steps used (time.process_time), on uniform random images like the DCGAN anchor.

mlp-gan: G 100-256-784 (LeakyReLU 0.2, tanh), D 784-256-1 (LeakyReLU 0.2), BCE with logits,
         one D step and one G step per step (the G step reuses the D step's fake, like the
         anchor), Adam(2e-4, 0.5, 0.999).
vae:     784-400-20 encoder (mean, log-variance), 20-400-784 decoder, Bernoulli likelihood on
         pixels binarized afresh every step, Adam(1e-3), loss = BCE-with-logits sum + KL, mean
         over the batch.
"""
import json, sys, time
import torch, torch.nn as nn, torch.nn.functional as F


def mlp_gan(batch):
    g = nn.Sequential(nn.Linear(100, 256), nn.LeakyReLU(0.2), nn.Linear(256, 784), nn.Tanh())
    d = nn.Sequential(nn.Linear(784, 256), nn.LeakyReLU(0.2), nn.Linear(256, 1))
    og = torch.optim.Adam(g.parameters(), 2e-4, betas=(0.5, 0.999))
    od = torch.optim.Adam(d.parameters(), 2e-4, betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()
    real = torch.rand(batch, 784) * 2 - 1
    ones, zeros = torch.ones(batch, 1), torch.zeros(batch, 1)

    def step():
        fake = g(torch.randn(batch, 100))
        od.zero_grad(); (bce(d(real), ones) + bce(d(fake.detach()), zeros)).backward(); od.step()
        og.zero_grad(); bce(d(fake), ones).backward(); og.step()
    return step


def vae(batch):
    enc = nn.Sequential(nn.Linear(784, 400), nn.ReLU())
    mean, logvar = nn.Linear(400, 20), nn.Linear(400, 20)
    dec = nn.Sequential(nn.Linear(20, 400), nn.ReLU(), nn.Linear(400, 784))
    params = [*enc.parameters(), *mean.parameters(), *logvar.parameters(), *dec.parameters()]
    opt = torch.optim.Adam(params, 1e-3)
    grey = torch.rand(batch, 784)

    def step():
        x = torch.bernoulli(grey)
        h = enc(x); mu, lv = mean(h), logvar(h)
        z = mu + torch.exp(0.5 * lv) * torch.randn_like(mu)
        rec = F.binary_cross_entropy_with_logits(dec(z), x, reduction='sum')
        kl = -0.5 * torch.sum(1 + lv - mu * mu - lv.exp())
        opt.zero_grad(); ((rec + kl) / batch).backward(); opt.step()
    return step


if __name__ == '__main__':
    name, batch, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(1); torch.manual_seed(0)
    step = {'mlp-gan': mlp_gan, 'vae': vae}[name](batch)
    for _ in range(3): step()
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(steps): step()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(json.dumps({'impl': 'torch', 'model': name, 'batch': batch, 'steps': steps, 'sec_per_step': wall / steps,
                      'images_per_s': batch * steps / wall, 'cpu_images_per_s': batch * steps / cpu}), flush=True)
