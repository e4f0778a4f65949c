#!/usr/bin/env bash
# Goal 1: checkpoint discovery on 2,000 steps × (model, meta, 8 optimizer
# shards), the daemon's ckpt verb against the baselines users have today,
# on the same tree in the same run; and bytes read with 1 MiB and 1 GiB
# model files. Sourced settings: see bench/run.sh.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

steps=${DISCOVERY_STEPS:-2000}
ranks=8
runs=${DISCOVERY_RUNS:-30}
py=$(python_bin)
tree=$BENCH_WORK/discovery/tree
out=$BENCH_RESULTS/discovery
mkdir -p "$out"

# Steps 100 … 200,000: six digits, so that sorting names by text (ls |
# sort) and by number (find_last_step) agree.
if [[ ! -e $tree/.written ]]; then
	say "writing $steps steps × $(( ranks + 2 )) files into $tree"
	rm -rf "$tree"
	"$BENCH_BIN/mktree" tree "$tree" "$steps" 100 "$ranks"
	find "$tree" -type f -exec touch -d '-1 hour' {} +
	touch "$tree/.written"
fi
newest=$(( steps * 100 ))

nsv="$BENCH_BIN/nanosupervisord ckpt $tree --ranks $ranks"
declare -A cmd=(
	[ckpt]="$nsv >/dev/null"
	[ckpt_newest]="$nsv --newest >/dev/null"
	[find_last_step]="$py $here/find_last_step.py $tree >/dev/null"
	[ls_sort_tail]="cd $tree && ls model_*.pt | sort | tail -1 >/dev/null"
)
order=(ckpt ckpt_newest find_last_step ls_sort_tail)

# Every method must name the same step on this tree before it is timed.
for m in "${order[@]}"; do
	got=$(bash -c "${cmd[$m]%>/dev/null}" | grep -Eo '[0-9]+' | tail -1)
	got=$(( 10#$got ))
	[[ $got == "$newest" ]] || die "$m says step $got, want $newest"
done

if command -v hyperfine >/dev/null; then
	say "timing with hyperfine, $runs runs each"
	args=()
	for m in "${order[@]}"; do args+=(-n "$m" "${cmd[$m]}"); done
	hyperfine --shell=bash -w 3 -r "$runs" --export-json "$out/hyperfine.json" "${args[@]}" >"$out/hyperfine.txt"
	"$py" "$here/hfstats.py" "$out/hyperfine.json" >"$out/times.tsv"
else
	say "hyperfine not found: timing with a loop, $runs runs each"
	: >"$out/times.tsv"
	for m in "${order[@]}"; do
		for (( i = 0; i < runs; i++ )); do
			t0=$(date +%s%N); bash -c "${cmd[$m]}"; t1=$(date +%s%N)
			echo $(( (t1 - t0) / 1000 ))
		done | "$py" "$here/hfstats.py" --micros "$m" >>"$out/times.tsv"
	done
fi
cat "$out/times.tsv" >&2
col() { awk -v m="$1" -v c="$2" '$1 == m { print $c }' "$out/times.tsv"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f×", a / b }'; }
ms() { printf 'median %s ms, min %s ms' "$(col "$1" 2)" "$(col "$1" 5)"; }
# ratios MEASURED BASELINE: of the medians, and of the minimums (the
# figure least disturbed by other load on the machine).
ratios() { printf '%s (min %s)' "$(ratio "$(col "$1" 2)" "$(col "$2" 2)")" "$(ratio "$(col "$1" 5)" "$(col "$2" 5)")"; }

g="1. Discovery, 2,000 steps × (model, meta, 8 shards), wall time of the command, $runs runs"
row "$g: \`ckpt --ranks 8 --newest\` (verifies every file of the chosen step)" "find_last_step (Python): $(ms find_last_step)" "$(ms ckpt_newest)" "$(ratios ckpt_newest find_last_step); goal ≤ 0.5×"
row "$g: \`ckpt --ranks 8 --newest\`" "\`ls model_*.pt | sort | tail -1\`: $(ms ls_sort_tail)" "$(ms ckpt_newest)" "$(ratios ckpt_newest ls_sort_tail)"
row "$g: \`ckpt --ranks 8\` (verifies all 20,000 files)" "find_last_step (Python): $(ms find_last_step)" "$(ms ckpt)" "$(ratios ckpt find_last_step)"
row "$g: \`ckpt --ranks 8\`" "\`ls model_*.pt | sort | tail -1\`: $(ms ls_sort_tail)" "$(ms ckpt)" "$(ratios ckpt ls_sort_tail)"

# In-process: the Python function alone (no interpreter start-up) on this
# tree, against the Go benchmark of ScanNewest (want=1: the newest
# complete step) on a tree of the same shape (pkg/ckpt/bench_more_test.go).
py_us=$("$py" "$here/find_last_step.py" "$tree" --repeat 20 2>&1 >/dev/null)
go_bench=$(cd "$root" && go test -run '^$' -bench '^BenchmarkScanNewest$/want=1' -benchtime 30x ./pkg/ckpt/)
echo "$go_bench" >"$out/gobench.txt"
go_ns() { awk -v b="$1" '$1 ~ b { print $3 }' <<<"$go_bench"; }
sn_us=$(( $(go_ns '^BenchmarkScanNewest/want=1') / 1000 ))
say "in-process: find_last_step $py_us µs, ScanNewest $sn_us µs"
ms_of() { awk -v u="$1" 'BEGIN { printf "%.1f ms", u / 1000 }'; }
row "1. Discovery in-process (no process start-up): ckpt.ScanNewest (want=1), Go benchmark, 30 iterations" \
	"find_last_step() in Python: $(ms_of "$py_us") per call (mean of 20)" "$(ms_of "$sn_us")" "$(ratio "$sn_us" "$py_us")"

# A torn newest step, as a TIMEOUT mid-save leaves it: the baselines still
# name it; the daemon falls back to the step before.
cp "$tree/model_$(printf %06d "$newest").pt" "$out/model.keep"
truncate -s 100 "$tree/model_$(printf %06d "$newest").pt"
torn_py=$("$py" "$here/find_last_step.py" "$tree")
torn_ls=$(cd "$tree" && ls model_*.pt | sort | tail -1)
torn_nsv=$("$BENCH_BIN/nanosupervisord" ckpt "$tree" --ranks "$ranks" --newest | sed -n 's/^newest complete step: //p')
cp "$out/model.keep" "$tree/model_$(printf %06d "$newest").pt" && rm "$out/model.keep"
touch -d '-1 hour' "$tree/model_$(printf %06d "$newest").pt"
say "newest step torn: find_last_step says $torn_py, ls says $torn_ls, ckpt --newest says $torn_nsv"
echo "torn_newest find_last_step=$torn_py ls=$torn_ls ckpt_newest=$torn_nsv" >>"$out/times.tsv"
row "1. Same tree, newest model truncated (a TIMEOUT mid-save): the step each method names" \
	"find_last_step: $torn_py; ls | sort | tail: $torn_ls (both the torn step)" "\`ckpt --newest\`: $torn_nsv" "—"

# Bytes read do not grow with the checkpoint size: one step of 8 ranks
# whose model is a sparse 1 MiB or 1 GiB archive.
for size in 1048576 1073741824; do
	d=$BENCH_WORK/discovery/sparse-$size
	[[ -e $d/.written ]] || { rm -rf "$d"; "$BENCH_BIN/mktree" sparse "$d" 100 "$ranks" "$size"; touch "$d/.written"; }
	for flag in "" --newest; do
		read -r rchar syscr < <("$py" "$here/procio.py" "$BENCH_BIN/nanosupervisord" ckpt "$d" --ranks "$ranks" $flag)
		echo "bytes size=$size flag=${flag:-none} rchar=$rchar syscr=$syscr" >>"$out/times.tsv"
		declare "rchar_${size}_${flag:+newest}=$rchar" "syscr_${size}_${flag:+newest}=$syscr"
	done
done
row "1. Bytes read verifying one step of 8 shards, model 1 MiB → 1 GiB (sparse): \`ckpt --ranks 8\` process, /proc/PID/io" \
	"1 MiB model: ${rchar_1048576_} B in ${syscr_1048576_} reads" "1 GiB model: ${rchar_1073741824_} B in ${syscr_1073741824_} reads" \
	"$(ratio "$rchar_1073741824_" "$rchar_1048576_"); goal: no growth"
