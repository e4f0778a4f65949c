#!/usr/bin/env bash
# Goal 2: scheduler load. The real daemon supervises 1, 10 and 100 runs
# against the fake Slurm, every job RUNNING (steady state), with the poll
# shortened to LOAD_POLL for LOAD_SECONDS; every sacct/squeue call is
# logged by a wrapper and every pass counted through sd_notify. Calls per
# pass × passes per hour at the default 2 m poll gives calls per hour,
# against the naive one sacct per run per poll. A last case has every run
# paused: nothing can change, so no call at all is expected.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

seconds=${LOAD_SECONDS:-60}
poll=${LOAD_POLL:-1s}
py=$(python_bin)
out=$BENCH_RESULTS/load
mkdir -p "$out"
: >"$out/calls.tsv"

# measure CASE N [EXTRA]: one daemon, one window; appends to calls.tsv:
# CASE N PASSES SACCT SQUEUE SECONDS.
measure() {
	local case=$1 n=$2 extra=${3:-} dir=$BENCH_WORK/load/$1
	rm -rf "$dir" && mkdir -p "$dir"
	export FAKESLURM_DIR=$dir/slurm
	mkdir -p "$FAKESLURM_DIR"
	fake_slurm_bin "$dir/bin" "$dir/calls.log"
	fake_runs "$dir" "$n" "$poll" "$extra"
	"$py" "$here/notifycount.py" "$dir/notify.sock" "$dir/passes.log" &
	counter=$!
	sleep 0.3
	NOTIFY_SOCKET=$dir/notify.sock "$BENCH_BIN/nanosupervisord" run --config "$dir/config.yaml" --log-format json 2>"$dir/daemon.log" &
	daemon=$!
	# Steady state: every job adopted and seen RUNNING (paused runs: the
	# daemon up and a few passes done).
	if [[ -z $extra ]]; then
		wait_for "$dir/daemon.log" '"event":"daemon_started"' 30 || die "$case: daemon did not start"
		local deadline=$(( $(date +%s) + 120 ))
		until (( $(count_in "$dir/daemon.log" '"event":"job_state_changed".*"state":"RUNNING"') >= n )); do
			(( $(date +%s) < deadline )) || die "$case: not every job adopted within 120 s (see $dir/daemon.log)"
			sleep 0.5
		done
	fi
	sleep 5
	local t0 t1
	t0=$(date +%s.%N)
	sleep "$seconds"
	t1=$(date +%s.%N)
	stop
	awk -v a="$t0" -v b="$t1" -v c="$case" -v n="$n" -v passes="$(awk -v a="$t0" -v b="$t1" '$1 >= a && $1 < b' "$dir/passes.log" | wc -l)" '
		$1 >= a && $1 < b { calls[$2]++ }
		END { printf "%s\t%d\t%d\t%d\t%d\t%.1f\n", c, n, passes, calls["sacct"], calls["squeue"], b - a }' "$dir/calls.log" >>"$out/calls.tsv"
	tail -1 "$out/calls.tsv" >&2
	grep -q '"event":"run_error"' "$dir/daemon.log" && die "$case: run_error in $dir/daemon.log"
	return 0
}

# stop ends the daemon and the pass counter of the current case; it also
# runs on the way out, so that a failure leaves nothing running.
daemon="" counter=""
stop() {
	local p
	for p in $daemon $counter; do { kill "$p" && wait "$p"; } 2>/dev/null || true; done
	daemon="" counter=""
	return 0
}
trap stop EXIT

for n in 1 10 100; do
	say "scheduler load: $n runs, poll $poll, ${seconds} s"
	measure "runs$n" "$n"
done
say "scheduler load: 100 runs, all paused"
measure paused100 100 "    paused: true"

# Per hour at the default poll of 2 m: 30 passes.
while IFS=$'\t' read -r case n passes sacct squeue secs; do
	calls=$(( sacct + squeue ))
	seen="$sacct sacct + $squeue squeue in $passes passes over ${secs%.*} s at poll $poll"
	if [[ $case == paused100 ]]; then
		row "2. Slurm calls, 100 runs, all paused (nothing can change)" "—" "$calls calls ($seen)" "goal: none"
		continue
	fi
	per_pass=$(awk -v c="$calls" -v p="$passes" 'BEGIN { printf "%.2f", c / p }')
	per_hour=$(awk -v c="$calls" -v p="$passes" 'BEGIN { printf "%.0f", c / p * 30 }')
	naive=$(( n * 30 ))
	row "2. Slurm calls per hour at poll 2m, $n run(s), every job RUNNING" "one sacct per run per poll: $naive/h" \
		"$per_hour/h ($per_pass per pass: $seen)" "$(awk -v a="$per_hour" -v b="$naive" 'BEGIN { printf "%.2f×", a / b }')"
done <"$out/calls.tsv"
