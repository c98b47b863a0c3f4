# Medians of tools/bench/compare/checkouts.sh's rounds, base against new, as Markdown tables.
#   python3 tools/bench/compare/summarize.py OUT_DIR
import json, glob, sys, statistics as st, os
out = sys.argv[1]
def load(b, t):
    return [json.load(open(f)) for f in sorted(glob.glob(f'{out}/{b}-{t}-*.json'))]
print('## allreduce, 2 ranks: median over rounds of each round\'s median seconds')
rows = {}
for t in ['base', 'new']:
    for rep in load('allreduce', t):
        for row in rep['allreduce']:
            rows.setdefault((row['impl'], row['bytes'] if 'bytes' in row else row.get('size'), t), []).append(row['sec'])
keys = sorted({(k[0], k[1]) for k in rows}, key=lambda k: (k[0], k[1]))
print('| impl | size | base ms | new ms | new/base | rounds base | rounds new |')
print('|---|---:|---:|---:|---:|---|---|')
for impl, size in keys:
    b = rows.get((impl, size, 'base'), []); n = rows.get((impl, size, 'new'), [])
    if not b or not n: continue
    mb, mn = st.median(b), st.median(n)
    print(f'| {impl} | {size} | {mb*1e3:.2f} | {mn*1e3:.2f} | {mn/mb:.2f} | {" ".join(f"{x*1e3:.2f}" for x in b)} | {" ".join(f"{x*1e3:.2f}" for x in n)} |')
print('\n## overhead (median over rounds)')
ov = {}
for t in ['base', 'new']:
    for rep in load('overhead', t):
        for row in rep['overhead']:
            ov.setdefault((row['transport'], row['workers'], t), []).append(row)
print('| transport | workers | base step ms | new step ms | base overhead ms | new overhead ms | new/base overhead |')
print('|---|---:|---:|---:|---:|---:|---:|')
for tr in ['tcp', 'ipc']:
    for w in [1, 2]:
        b = ov.get((tr, w, 'base'), []); n = ov.get((tr, w, 'new'), [])
        if not b or not n: continue
        f = lambda rs, k: st.median([r[k] for r in rs])
        print(f'| {tr} | {w} | {f(b,"stepMs"):.2f} | {f(n,"stepMs"):.2f} | {f(b,"overheadMs"):.2f} | {f(n,"overheadMs"):.2f} | {f(n,"overheadMs")/f(b,"overheadMs"):.2f} |')
print('\n## scaling (img/s, median over rounds)')
sc = {t: load('scaling', t) for t in ['base', 'new']}
for t in ['base', 'new']:
    if not sc[t]: continue
    one = [r['scaling']['dgm']['one'] for r in sc[t]]; two = [r['scaling']['dgm']['two'] for r in sc[t]]
    t1 = [r['scaling']['torch']['one'] for r in sc[t]]; t2 = [r['scaling']['torch']['two'] for r in sc[t]]
    print(f'{t}: dgm 1w {st.median(one):.1f} {one}  2w {st.median(two):.1f} {two}  eff {st.median(two)/(2*st.median(one)):.2f}; torch 1p {st.median(t1):.1f} 2p {st.median(t2):.1f}')
