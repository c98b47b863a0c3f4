#!/bin/sh
# The all-reduce between simulated hosts (cluster-allreduce) of two built checkouts, alternated
# round by round on the same machine (each sees the same noisy load; the order flips every round),
# with the load average before each run. Needs root, like the bench.
#   tools/bench/compare/cluster-pairs.sh <before checkout> <after checkout> <rounds> <out dir> [cluster-allreduce flags]
#   python3 tools/bench/compare/cluster-pairs.py <out dir>
# A checkout is a directory with the built tools/dist and packages (e.g. a copy of main's dist
# beside a node_modules whose @dgm links point into it).
set -eu
BEFORE=$1; AFTER=$2; N=$3; OUT=$4; shift 4
FLAGS=${*:---hosts 2,4 --rates 1gbit,10gbit --reps 5 --impl hier-fp32,hier-bf16,gloo}
mkdir -p "$OUT"
for r in $(seq 1 "$N"); do
  if [ $((r % 2)) -eq 1 ]; then order="before after"; else order="after before"; fi
  for which in $order; do
    if [ "$which" = before ]; then dir=$BEFORE; else dir=$AFTER; fi
    echo "$(date -u +%T) round $r $which load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/load.txt" >&2
    # shellcheck disable=SC2086
    (cd "$dir" && node tools/dist/bench/cluster-allreduce.js $FLAGS --rounds 1 --json "$OUT/$which-$r.json" > "$OUT/$which-$r.log" 2>&1) || echo "FAILED $which $r" >&2
  done
done
echo "$(date -u +%T) done load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/load.txt" >&2
