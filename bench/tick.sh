#!/usr/bin/env bash
# Goal 4, second half: one pass over 1,000 runs with an in-memory Slurm,
# CPU per pass, from the Go benchmark BenchmarkTick
# (pkg/supervisor/bench_test.go): clock=poll moves the clock 2m a pass,
# so the rescan of every checkpoint directory each 10 minutes is included
# one pass in five; clock=rescan makes every pass such a pass.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

out=$BENCH_RESULTS/tick
mkdir -p "$out"
say "one pass over 1,000 runs: go test -bench BenchmarkTick/runs=1000"
(cd "$root" && go test -run '^$' -bench '^BenchmarkTick$/^runs=1000/' -benchmem ./pkg/supervisor/) | tee "$out/gobench.txt" >&2
metric() { awk -v b="$1" -v u="$2" '$1 ~ b { for (i = 2; i < NF; i++) if ($(i + 1) == u) print $i }' "$out/gobench.txt"; }
startup=$(grep -Eo 'start-up pass [12] took [0-9.]+s CPU' "$out/gobench.txt" | head -2 |
	awk '{ printf "%spass %s: %.1f s CPU", sep, $3, $5 + 0; sep = "; " }')
g="4. One pass over 1,000 runs, in-memory Slurm, every job RUNNING (Go BenchmarkTick, CPU of the whole process)"
row "$g: steady, clock +2m a pass (checkpoint rescans amortized)" "goal ≤ 100 ms CPU" \
	"$(metric 'clock=poll' cpu-ms/op) ms ($(metric 'clock=poll' sacct-calls/op) sacct call)" \
	"$(awk -v m="$(metric 'clock=poll' cpu-ms/op)" 'BEGIN { printf "%.2f× the goal", m / 100 }')"
row "$g: a pass that rescans all 1,000 checkpoint directories" "goal ≤ 100 ms CPU" \
	"$(metric 'clock=rescan' cpu-ms/op) ms" \
	"$(awk -v m="$(metric 'clock=rescan' cpu-ms/op)" 'BEGIN { printf "%.2f× the goal", m / 100 }')"
row "$g: the two start-up passes (adopt, then record every job)" "—" "${startup:-see $out/gobench.txt}" "not a goal; see docs/BENCHMARKS.md"
