#!/usr/bin/env bash
# Goal 3: reaction time on the real local Slurm, at a 5-minute poll: from
# sacct's End of a job to the daemon's job_resubmitted, for a TIMEOUT
# (--time=1) and a crash (the simulated trainer exits 1 at step 300, its
# log busy until then). REACTION_REPS repetitions each, one small job
# (-c 1) at a time; median reported. Skipped when the cluster is down.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

reps=${REACTION_REPS:-3}
py=$(python_bin)
out=$BENCH_RESULTS/reaction
mkdir -p "$out"
skip_unless_slurm reaction "3. reaction time (real Slurm)"

# scenario KIND REP: one daemon, one job that ends, its replacement.
# Appends "KIND END→ENDED END→BACKOFF END→RESUBMITTED" to times.tsv.
scenario() {
	local kind=$1 rep=$2 dir=$BENCH_WORK/reaction/$1-$2 name="nsvbench-$1-$2-$$"
	local time_arg=--time=1 crash="" policy="    policy: {backoff: 1s, max_backoff: 2s}"
	if [[ $kind == crash* ]]; then
		time_arg=--time=5
		crash="      SIMTRAIN_CRASH_AT_STEP: \"300\"
      SIMTRAIN_CRASH_CODE: \"1\"
      SIMTRAIN_CRASH_ONCE_FILE: $dir/crashed-once"
	fi
	# crash_default: the default policy. The crash comes after new
	# checkpoints, so the delay is retry_after_progress (10s), not the
	# 1m ± 20 % backoff of a failure without progress.
	[[ $kind == crash_default ]] && policy=""
	rm -rf "$dir" && mkdir -p "$dir/ckpt" "$dir/state" && chmod 755 "$dir"
	cat >"$dir/config.yaml" <<YAML
poll_interval: 5m
state_dir: $dir/state
runs:
  bench:
    script: $root/deploy/demo/train_d20_sim.sh
    workdir: $dir
    checkpoint_dir: $dir/ckpt
    job_name: $name
    sbatch_args: ["$time_arg"]
    log: slurm-%j.out
    start: submit
    targets: {val_bpb: 0.01, core_metric: 0.99}
$policy
    env:
      NSV_SIMTRAIN: $BENCH_BIN/nsv-simtrain
      SIMTRAIN_CHECKPOINT_DIR: $dir/ckpt
      SIMTRAIN_NUM_ITERATIONS: "100000"
      SIMTRAIN_STEP_TIME: "0.1"
      SIMTRAIN_SAVE_EVERY: "100"
      SIMTRAIN_EVAL_EVERY: "50"
$crash
YAML
	"$BENCH_BIN/nanosupervisord" run --config "$dir/config.yaml" --log-format json 2>"$dir/daemon.log" &
	local job
	daemon=$! job_name=$name
	wait_for "$dir/daemon.log" '"event":"job_resubmitted"' 60 || die "$kind $rep: no first submission (see $dir/daemon.log)"
	job=$(grep -m1 '"event":"job_resubmitted"' "$dir/daemon.log" | sed -E 's/.*"new_job_id":"([0-9]+)".*/\1/')
	wait_for "$dir/daemon.log" "\"event\":\"job_resubmitted\".*\"job_id\":\"$job\"" 300 ||
		die "$kind $rep: job $job not replaced within 300 s (see $dir/daemon.log)"
	cleanup
	# Other test suites share the cluster and may stop slurmdbd for a
	# while: ask sacct again until it answers.
	local row="" i outages
	for (( i = 0; i < 60; i++ )); do
		row=$(sacct -j "$job" -X -n -P -o End,State 2>/dev/null) && [[ $row == *"|"* ]] && break
		sleep 2
	done
	[[ $row == *"|"* ]] || die "$kind $rep: no sacct row for job $job"
	[[ ${row#*|} == "$( [[ $kind == crash* ]] && echo FAILED || echo TIMEOUT)" ]] || die "$kind $rep: job $job ended ${row#*|}"
	read -r ended backoff resub < <("$py" "$here/reaction.py" "$dir/daemon.log" "$job" "${row%|*}")
	# A Slurm outage during the scenario delays the daemon: counted, so
	# that the table can say which figures it touched.
	outages=$(count_in "$dir/daemon.log" '"event":"slurm_unavailable".*"state":"down"')
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$kind" "$job" "$ended" "$backoff" "$resub" "$outages" | tee -a "$out/times.tsv" >&2
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

: >"$out/times.tsv"
# REACTION_KINDS picks scenarios (default: all three).
for kind in ${REACTION_KINDS:-timeout crash crash_default}; do
	n=$reps
	for (( rep = 1; rep <= n; rep++ )); do
		say "reaction: $kind, repetition $rep of $n"
		scenario "$kind" "$rep"
	done
done

median() { awk -v k="$1" -v c="$2" '$1 == k { print $c }' "$out/times.tsv" | sort -g | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
all() { awk -v k="$1" -v c="$2" '$1 == k { printf "%s%s", sep, $c; sep = ", " }' "$out/times.tsv"; }
reps_of() { awk -v k="$1" '$1 == k' "$out/times.tsv" | wc -l; }
# outages_of KIND: ", N during a Slurm outage" when any repetition saw one.
outages_of() { awk -v k="$1" '$1 == k && $6 > 0 { n++ } END { if (n) printf ", %d during a Slurm outage", n }' "$out/times.tsv"; }
of_goal() { awk -v m="$1" -v g="$2" 'BEGIN { printf "%.2f× the goal (%s s)", m / g, g }'; }
g="3. Reaction, real Slurm, poll 5m: sacct End → job_resubmitted"
if [[ $(reps_of timeout) -gt 0 ]]; then
	row "$g, TIMEOUT (--time=1), median of $(reps_of timeout)" "polling alone: up to 300 s" \
		"$(median timeout 5) s (each: $(all timeout 5) s$(outages_of timeout))" "$(of_goal "$(median timeout 5)" 15)"
fi
if [[ $(reps_of crash_default) -gt 0 ]]; then
	row "$g, crash after progress (exit 1 at step 300), default policy (backoff 1m, retry_after_progress 10s), median of $(reps_of crash_default)" "polling alone: up to 300 s" \
		"$(median crash_default 5) s (each: $(all crash_default 5) s$(outages_of crash_default); End → job_state_changed: $(all crash_default 3) s)" "$(of_goal "$(median crash_default 5)" 30)"
fi
if [[ $(reps_of crash) -gt 0 ]]; then
	row "$g, crash (exit 1 at step 300), policy backoff 1s, median of $(reps_of crash)" "polling alone: up to 300 s" \
		"$(median crash 5) s (each: $(all crash 5) s$(outages_of crash); End → job_state_changed: $(all crash 3) s)" "$(of_goal "$(median crash 5)" 30)"
fi
