#!/usr/bin/env bash
# Issue 15 (goodput), queue ahead: the idle gap between a job's end and its
# successor's start on the real local Slurm, with queue_ahead false (the
# daemon resubmits after it sees the end) and true (the successor waits in
# the queue behind the job, --dependency=afterany). Meant for an idle node:
# other jobs on it lengthen the gap without queue ahead (the new job queues
# behind them). The job times out (--time=1); the gap is sacct's Start of
# the next job minus End of the first, in Slurm's whole seconds. QUEUE_REPS
# repetitions of each (default 3), one at a time, poll 2m (the default);
# median reported. Skipped when the cluster is down.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

reps=${QUEUE_REPS:-3}
out=$BENCH_RESULTS/queue
mkdir -p "$out"
if ! "$root/deploy/slurm-local/status.sh" >/dev/null 2>&1; then
	say "queue: the local Slurm cluster is not up (make slurm-up): skipped"
	row "15. queue ahead (real Slurm)" "—" "not measured: cluster down" "—"
	exit 0
fi

# scenario MODE REP: one daemon, one job that times out, the next one.
# Appends "MODE JOB1 END START GAP" to gaps.tsv. The run is named like its
# jobs: a run adopts any live job tagged with its name, and the jobs of the
# previous repetition may still be leaving the queue.
scenario() {
	local mode=$1 rep=$2 dir=$BENCH_WORK/queue/$1-$2 name="nsvbench-q$1-$2-$$"
	rm -rf "$dir" && mkdir -p "$dir/ckpt" "$dir/state" && chmod 755 "$dir"
	cat >"$dir/config.yaml" <<YAML
poll_interval: 2m
state_dir: $dir/state
runs:
  $name:
    script: $root/deploy/demo/train_d20_sim.sh
    workdir: $dir
    checkpoint_dir: $dir/ckpt
    job_name: $name
    sbatch_args: ["--time=1"]
    log: slurm-%j.out
    start: submit
    queue_ahead: $([[ $mode == on ]] && echo true || echo false)
    targets: {val_bpb: 0.01, core_metric: 0.99}
    policy: {backoff: 1s, max_backoff: 2s}
    env:
      NSV_RUN: $name
      NSV_CONFIG: $dir/config.yaml
      NANOSUPERVISORD: $BENCH_BIN/nanosupervisord
      NSV_SIMTRAIN: $BENCH_BIN/nsv-simtrain
      SIMTRAIN_CHECKPOINT_DIR: $dir/ckpt
      SIMTRAIN_NUM_ITERATIONS: "100000"
      SIMTRAIN_STEP_TIME: "0.1"
      SIMTRAIN_SAVE_EVERY: "100"
YAML
	"$BENCH_BIN/nanosupervisord" run --config "$dir/config.yaml" --log-format json 2>"$dir/daemon.log" &
	local job next
	daemon=$! job_name=$name
	wait_for "$dir/daemon.log" '"event":"job_resubmitted"' 60 || die "queue $mode $rep: no first submission (see $dir/daemon.log)"
	job=$(grep -m1 '"event":"job_resubmitted"' "$dir/daemon.log" | sed -E 's/.*"new_job_id":"([0-9]+)".*/\1/')
	wait_for "$dir/daemon.log" "\"event\":\"job_resubmitted\".*\"job_id\":\"$job\"" 300 ||
		die "queue $mode $rep: job $job not followed within 300 s (see $dir/daemon.log)"
	next=$(grep "\"event\":\"job_resubmitted\".*\"job_id\":\"$job\"" "$dir/daemon.log" | head -1 | sed -E 's/.*"new_job_id":"([0-9]+)".*/\1/')
	# The gap is over once the next job has started.
	local i start="" end=""
	for (( i = 0; i < 120; i++ )); do
		start=$(sacct -j "$next" -X -n -P -o Start 2>/dev/null || true)
		end=$(sacct -j "$job" -X -n -P -o End 2>/dev/null || true)
		[[ $start =~ ^[0-9]{4}- && $end =~ ^[0-9]{4}- ]] && break
		sleep 1
	done
	cleanup
	[[ $start =~ ^[0-9]{4}- && $end =~ ^[0-9]{4}- ]] || die "queue $mode $rep: no Start of job $next / End of job $job in sacct"
	local gap=$(( $(date -d "$start" +%s) - $(date -d "$end" +%s) ))
	printf '%s\t%s\t%s\t%s\t%s\n' "$mode" "$job" "$end" "$start" "$gap" | tee -a "$out/gaps.tsv" >&2
}

# Whatever happens, leave no daemon and no job behind.
daemon="" job_name=""
cleanup() {
	if [[ -n $daemon ]]; then { kill "$daemon" && wait "$daemon"; } 2>/dev/null || true; fi
	if [[ -n $job_name ]]; then scancel --name="$job_name" 2>/dev/null || true; fi
	daemon="" job_name=""
	return 0
}
trap cleanup EXIT

: >"$out/gaps.tsv"
for mode in ${QUEUE_MODES:-off on}; do
	for (( rep = 1; rep <= reps; rep++ )); do
		say "queue: queue_ahead $mode, repetition $rep of $reps"
		scenario "$mode" "$rep"
	done
done

median() { awk -v k="$1" '$1 == k { print $5 }' "$out/gaps.tsv" | sort -g | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
all() { awk -v k="$1" '$1 == k { printf "%s%s", sep, $5; sep = ", " }' "$out/gaps.tsv"; }
n_of() { awk -v k="$1" '$1 == k' "$out/gaps.tsv" | wc -l; }
g="15. Gap, real local Slurm (1 node, 2 CPUs, shared with other jobs), poll 2m: sacct End of a TIMEOUT job → Start of the next"
if [[ $(n_of off) -gt 0 && $(n_of on) -gt 0 ]]; then
	row "$g, queue_ahead: true, median of $(n_of on)" "queue_ahead: false: $(median off) s (each: $(all off) s)" \
		"$(median on) s (each: $(all on) s)" "goal ≤ 2 s"
fi
