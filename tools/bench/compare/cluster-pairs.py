# Summarizes cluster-pairs.sh: per link rate, host count and size, the median over rounds of each
# checkout's call time and busbw for every implementation, and each dgm implementation's busbw
# over gloo's of the same run (the median of the per-round ratios), before and after.
import glob, json, statistics as st, sys

runs = {}  # (which, round) -> result
for f in sorted(glob.glob(sys.argv[1] + '/*.json')):
    which, r = f.split('/')[-1][:-5].split('-')
    runs[(which, int(r))] = json.load(open(f))
cells = {}  # (rate, hosts, bytes, which, impl) -> [(round, sec, busbw)]
for (which, r), res in runs.items():
    for rate, per_rate in res['rates'].items():
        for hosts, per_impl in per_rate['hosts'].items():
            for impl, rows in per_impl.items():
                for row in rows:
                    cells.setdefault((rate, int(hosts), row['bytes'], which, impl), []).append((r, row['sec'], row['busbw_GBs']))
keys = sorted({(k[0], k[1], k[2]) for k in cells}, key=lambda k: (float(k[0][:-4]) * (1000 if k[0].endswith('gbit') else 1), k[1], k[2]))
impls = sorted({k[4] for k in cells if k[4] != 'gloo'})
print('| link | hosts | size | ' + ' | '.join(f'{i} before s · busbw | {i} after s · busbw' for i in impls) + ' | gloo s · busbw | '
      + ' | '.join(f'{i} ÷ gloo before → after' for i in impls) + ' |')
print('|---|---:|---:|' + '---:|' * (2 * len(impls) + 1 + len(impls)))
for rate, hosts, size in keys:
    def cell(which, impl):
        v = cells.get((rate, hosts, size, which, impl), [])
        return (st.median(x[1] for x in v), st.median(x[2] for x in v)) if v else None
    def ratio(which, impl):
        mine = {r: b for r, _, b in cells.get((rate, hosts, size, which, impl), [])}
        gloo = {r: b for r, _, b in cells.get((rate, hosts, size, which, 'gloo'), [])}
        pairs = [mine[r] / gloo[r] for r in mine if r in gloo]
        return st.median(pairs) if pairs else float('nan')
    gloo_all = [x for w in ('before', 'after') for x in cells.get((rate, hosts, size, w, 'gloo'), [])]
    fmt = lambda c: f'{c[0] * 1000:.1f} ms · {c[1]:.3f}' if c else '–'
    g = (st.median(x[1] for x in gloo_all), st.median(x[2] for x in gloo_all)) if gloo_all else None
    human = f'{size // 2**20} MB' if size >= 2**20 else f'{size // 1024} KB'
    print(f'| {rate} | {hosts} | {human} | ' + ' | '.join(f'{fmt(cell("before", i))} | {fmt(cell("after", i))}' for i in impls)
          + f' | {fmt(g)} | ' + ' | '.join(f'{ratio("before", i):.2f} → {ratio("after", i):.2f}' for i in impls) + ' |')
for rate in sorted({k[0] for k in keys}):
    z = [res['rates'][rate]['zmqStreamGBs'] for res in runs.values() if rate in res['rates']]
    print(f'{rate}: raw ZeroMQ stream host0 → host1 median {st.median(z):.3f} GB/s over {len(z)} runs; link {runs[next(iter(runs))]["rates"][rate]["linkGBs"]:.3f} GB/s')
