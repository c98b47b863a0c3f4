#!/bin/sh
# The `overhead` benchmark of two built checkouts, alternated round by round on the same machine
# (each run sees the same noisy load), with the load average before and after each run:
#   tools/bench/compare/overhead-pairs.sh <before checkout> <after checkout> <rounds> <out dir>
#   python3 tools/bench/compare/overhead-pairs.py <out dir>
set -eu
BEFORE=$1; AFTER=$2; N=$3; OUT=$4
mkdir -p "$OUT"
for r in $(seq 1 "$N"); do
  for which in before after; do
    if [ "$which" = before ]; then dir=$BEFORE; else dir=$AFTER; fi
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    (cd "$dir" && node tools/dist/bench/allreduce.js overhead --json "$OUT/$which-$r.json" > /dev/null)
    echo "$which round $r load_before $load load_after $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/log.txt"
  done
done
