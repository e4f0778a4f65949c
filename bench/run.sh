#!/usr/bin/env bash
# The harness behind `make bench` (after the Go benchmarks): builds the
# binaries, then measures issue 7's goals with the real daemon and prints
# one table, the one docs/BENCHMARKS.md records.
#
#   discovery  ckpt and ckpt --newest against nanochat's find_last_step
#              (Python) and ls | sort | tail on 2,000 steps × 10 files;
#              bytes read with 1 MiB and 1 GiB model files
#   load       sacct/squeue calls for 1, 10 and 100 runs (fake Slurm)
#   tick       CPU of one pass over 1,000 runs (Go benchmark, in-memory Slurm)
#   footprint  RSS and CPU of an idle daemon with 100 runs (fake Slurm)
#   reaction   job end → resubmission on the local Slurm (skipped if down)
#   queue      job end → next job's start, queue_ahead false and true, on
#              the local Slurm (issue 15; skipped if down)
#   campaign   issue 15: goodput of a scaled-down d20 campaign on the local
#              Slurm, by hand vs the daemon's defaults vs its opt-ins
#              (skipped if down; CAMPAIGN_* settings in bench/campaign.sh)
#
# Settings (environment): BENCH_SECTIONS (default: all six, in that
# order), BENCH_WORK (scratch directory; default a new temporary one,
# removed afterwards unless BENCH_KEEP=1), DISCOVERY_RUNS (30),
# LOAD_SECONDS (60), LOAD_POLL (1s), FOOTPRINT_SECONDS (600),
# FOOTPRINT_RUNS (100), REACTION_REPS (3), QUEUE_REPS (3). The whole run takes about
# 45 minutes, most of it the footprint window and the Slurm jobs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)

sections=${BENCH_SECTIONS:-discovery load tick footprint reaction queue campaign}
if [[ -z ${BENCH_WORK:-} ]]; then
	BENCH_WORK=$(mktemp -d "${TMPDIR:-/tmp}/nsv-bench.XXXXXX")
	[[ ${BENCH_KEEP:-0} == 1 ]] || trap 'rm -rf "$BENCH_WORK"' EXIT
fi
export BENCH_WORK BENCH_BIN=$BENCH_WORK/bin BENCH_RESULTS=$BENCH_WORK/results
export bench_start=$(date +%s)
mkdir -p "$BENCH_BIN" "$BENCH_RESULTS"
: >"$BENCH_RESULTS/table.tsv"
chmod 755 "$BENCH_WORK"

(cd "$root" && go build -o "$BENCH_BIN/" ./cmd/nanosupervisord ./cmd/nsv-fakeslurm ./cmd/nsv-simtrain ./bench/mktree)

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for s in $sections; do
	[[ -x $here/$s.sh ]] || { echo "bench: unknown section $s" >&2; exit 2; }
	"$here/$s.sh"
done

py=$(python3 -c 'import sys; print(sys.executable)')
cat <<INFO

Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') ($(nproc) CPUs), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM, Linux $(uname -r), $(go version | cut -d' ' -f3), $("$py" --version 2>&1) ($py), $(hyperfine --version 2>/dev/null || echo "no hyperfine")
Date: $(date -u '+%Y-%m-%d %H:%M UTC'); commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown); load average $load_before before, $(cut -d' ' -f1-3 /proc/loadavg) after
Sections: $sections

| goal | baseline | measured | ratio |
| --- | --- | --- | --- |
INFO
# Rows by goal number, in the order measured within a goal.
sort -s -t. -k1,1n "$BENCH_RESULTS/table.tsv" | awk -F'\t' '{ gsub(/\|/, "\\|"); printf "| %s | %s | %s | %s |\n", $1, $2, $3, $4 }'
