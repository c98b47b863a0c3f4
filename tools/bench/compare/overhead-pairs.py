# Summarizes overhead-pairs.sh: per transport and worker count, the median over rounds of each
# side's step, compute and overhead ms, and the per-round after/before ratios of the overhead.
import glob, json, statistics as st, sys

res = {}
for f in sorted(glob.glob(sys.argv[1] + '/*.json')):
    which, r = f.split('/')[-1][:-5].split('-')
    for row in json.load(open(f))['overhead']:
        res.setdefault((row['transport'], row['workers']), {}).setdefault(which, {})[int(r)] = row
for (transport, workers), v in sorted(res.items()):
    b, a = v['before'], v['after']
    rounds = sorted(set(b) & set(a))
    med = lambda x, key: st.median(x[r][key] for r in rounds)
    pairs = [a[r]['overheadMs'] / b[r]['overheadMs'] for r in rounds]
    print(f"{transport} {workers} | before step {med(b, 'stepMs'):.2f} compute {med(b, 'computeMs'):.2f} overhead {med(b, 'overheadMs'):.2f}"
          f" | after step {med(a, 'stepMs'):.2f} compute {med(a, 'computeMs'):.2f} overhead {med(a, 'overheadMs'):.2f}"
          f" | pairs {' '.join(f'{p:.2f}' for p in pairs)} median {st.median(pairs):.2f}")
