#!/usr/bin/env bash
# The runtime benchmarks (allreduce, overhead, scaling) of two built checkouts side by side: each
# round runs every benchmark once per checkout, the order alternating from round to round, so both
# see the same (shared, noisy) machine. Compare a change with the commit before it:
#   git worktree add /tmp/before HEAD~1 && (cd /tmp/before && npm ci)
#   tools/bench/compare/checkouts.sh /tmp/before . 3 /tmp/compare [allreduce overhead scaling]
#   python3 tools/bench/compare/summarize.py /tmp/compare
# Each run writes OUT_DIR/<bench>-<base|new>-<round>.json (the harness's --json) and .log.
set -u
base=$1; new=$2; rounds=$3; out=$4; shift 4
which=${*:-allreduce overhead scaling}
mkdir -p "$out"
for r in $(seq 1 "$rounds"); do
  if [ $((r % 2)) -eq 1 ]; then order="base new"; else order="new base"; fi
  for b in $which; do
    for t in $order; do
      dir=$base; [ "$t" = new ] && dir=$new
      case $b in
        allreduce) args="allreduce --workers 2 --reps 10 --plane star-ipc,shared --rounds 1" ;;
        overhead) args="overhead" ;;
        scaling) args="scaling --steps 12 --rounds 1" ;;
      esac
      echo "$(date +%T) round $r $b $t" >&2
      (cd "$dir" && node tools/dist/bench/allreduce.js $args --json "$out/$b-$t-$r.json" > "$out/$b-$t-$r.log" 2>&1) || echo "FAILED $b $t $r" >&2
    done
  done
done
