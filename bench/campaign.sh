#!/usr/bin/env bash
# Issue 15: goodput of a scaled-down d20 campaign on the local Slurm. One
# simulated training run (deploy/demo/train_d20_sim.sh) to
# CAMPAIGN_ITERATIONS steps, with the same seeded faults (one crash, one
# hang in a training step, and the time limits) under three regimes, run
# side by side:
#   a  the guide's manual workflow: a human who notices each job end after
#      a delay and runs resume_latest.sh (bench/campaign_human.sh)
#   b  nanosupervisord with its defaults
#   c  nanosupervisord with on_stall: cancel, time_limit: fit, and the
#      --save-every that `nanosupervisord report` advises once the first
#      job has saved three times (applied by editing the config, as a user
#      would; the daemon reloads it)
# Allocated and banked time come from sacct (Elapsed × AllocTRES cpu: no
# GPUs here, CPU-time stands in) and, for b and c, from `report --json`;
# bench/campaign.py prints the table. Skipped when the cluster is down.
#
# Settings (environment): CAMPAIGN_SCENARIOS (a b c), CAMPAIGN_SEED (15),
# CAMPAIGN_ITERATIONS (4000), CAMPAIGN_TIME_LIMIT (3, minutes),
# CAMPAIGN_STEP_TIME (0.1), CAMPAIGN_SAVE_SECONDS (0.05), CAMPAIGN_SAVE_EVERY
# (50, the regime a and b keep), CAMPAIGN_EVAL_EVERY (50) and
# CAMPAIGN_EVAL_SECONDS (0.12: val_bpb), CAMPAIGN_CORE_EVERY (400) and
# CAMPAIGN_CORE_SECONDS (2: CORE), CAMPAIGN_POLL (1s, the daemons'
# poll_interval), CAMPAIGN_RETRY (1s, their policy.retry_after_progress),
# CAMPAIGN_DEADLINE (1500 s: give up). The defaults make a
# campaign of 80 save intervals of about 5 s, a save 1 % of an interval and
# a CORE evaluation 0.4 of one (docs/BENCHMARKS.md says which ratios hold).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

scenarios=${CAMPAIGN_SCENARIOS:-a b c}
seed=${CAMPAIGN_SEED:-15}
iters=${CAMPAIGN_ITERATIONS:-4000}
limit=${CAMPAIGN_TIME_LIMIT:-3}
step_time=${CAMPAIGN_STEP_TIME:-0.1}
save_seconds=${CAMPAIGN_SAVE_SECONDS:-0.05}
save_every=${CAMPAIGN_SAVE_EVERY:-50}
eval_every=${CAMPAIGN_EVAL_EVERY:-50}
eval_seconds=${CAMPAIGN_EVAL_SECONDS:-0.12}
core_every=${CAMPAIGN_CORE_EVERY:-400}
core_seconds=${CAMPAIGN_CORE_SECONDS:-2}
poll=${CAMPAIGN_POLL:-1s}
retry=${CAMPAIGN_RETRY:-1s}
deadline=$(( $(date +%s) + ${CAMPAIGN_DEADLINE:-1500} ))
py=$(python_bin)
out=$BENCH_RESULTS/campaign
mkdir -p "$out"
skip_unless_slurm campaign "5. goodput campaign (real Slurm)"

# The fault schedule and the human's noticing delays, from the seed.
read -r crash hang delays < <("$py" "$here/campaign.py" schedule "$seed" "$iters" "$limit")
say "campaign: $iters steps, --time=$limit, step ${step_time}s, save ${save_seconds}s every $save_every, val_bpb ${eval_seconds}s every $eval_every, CORE ${core_seconds}s every $core_every, poll $poll, retry_after_progress $retry; crash at $crash, hang at $hang; human delays ${delays//,/ } s"

pids=() names=()
# run_of S: the run's name; daemons adopt jobs by the run name in their
# tag, so two daemons must not share one.
run_of() { echo "gp-$1-$$"; }
cleanup() {
	local p n
	for p in "${pids[@]}"; do { kill "$p" && wait "$p"; } 2>/dev/null || true; done
	for n in "${names[@]}"; do scancel --name="$n" 2>/dev/null || true; done
	return 0
}
trap cleanup EXIT

# sim_env DIR SAVE_EVERY: the simulated run's settings, as YAML env lines.
sim_env() {
	cat <<YAML
      NSV_SIMTRAIN: $BENCH_BIN/nsv-simtrain
      SIMTRAIN_CHECKPOINT_DIR: $1/ckpt
      SIMTRAIN_NUM_ITERATIONS: "$iters"
      SIMTRAIN_STEP_TIME: "$step_time"
      SIMTRAIN_SAVE_SECONDS: "$save_seconds"
      SIMTRAIN_SAVE_EVERY: "$2"
      SIMTRAIN_EVAL_EVERY: "$eval_every"
      SIMTRAIN_EVAL_SECONDS: "$eval_seconds"
      SIMTRAIN_CORE_METRIC_EVERY: "$core_every"
      SIMTRAIN_CORE_SECONDS: "$core_seconds"
      SIMTRAIN_CRASH_AT_STEP: "$crash"
      SIMTRAIN_CRASH_CODE: "1"
      SIMTRAIN_CRASH_ONCE_FILE: $1/crashed-once
      SIMTRAIN_HANG_AT_STEP: "$hang"
      SIMTRAIN_HANG_ONCE_FILE: $1/hung-once
YAML
}

# daemon_config S DIR SAVE_EVERY: the configuration of regime b or c.
# Unreachable targets: the campaign ends when training does. The poll is
# scaled down with the rest (1s against a 5 s save interval, as 2m against
# a 10-minute one): at 2m the daemon could not measure the cadence that
# on_stall, fit and the advice need. So is retry_after_progress (10s would
# be two save intervals here, a sixtieth of one on a real run). Every other
# setting is the default.
daemon_config() {
	local s=$1 dir=$2
	cat <<YAML
poll_interval: $poll
state_dir: $dir/state
runs:
  $(run_of "$s"):
    script: $root/deploy/demo/train_d20_sim.sh
    workdir: $dir
    checkpoint_dir: $dir/ckpt
    job_name: ${names[-1]}
    sbatch_args: ["--time=$limit"]
    log: slurm-%j.out
    start: submit
    targets: {val_bpb: 0.01, core_metric: 0.99}
    policy: {retry_after_progress: $retry}
YAML
	[[ $s == c ]] && printf '    on_stall: cancel\n    time_limit: fit\n'
	echo "    env:"
	sim_env "$dir" "$3"
}

# apply_advice DIR DAEMON: once the first job has three complete saves,
# set SIMTRAIN_SAVE_EVERY to what report advises, and say so in advice.json.
# Only advice that knows the current --save-every counts (from the newest
# complete step's meta, or the cadence the daemon watched): the daemon sees
# a save some seconds after it is written, so a report taken just after
# the third save can still know no complete step. The advice may keep
# --save-every and still offer a shift off evaluation steps (save_every
# then differs from current_save_every): that is applied too.
apply_advice() {
	local dir=$1 daemon=$2 k
	until (( $(find "$dir/ckpt" -name 'meta_*.json' 2>/dev/null | wc -l) >= 3 )); do
		kill -0 "$daemon" 2>/dev/null || return 0
		sleep 1
	done
	sleep 2 # a pass to see the third save
	for _ in $(seq 30); do
		"$BENCH_BIN/nanosupervisord" report "$(run_of c)" --config "$dir/config.yaml" --json >"$dir/advice.json" 2>/dev/null || true
		k=$("$py" -c 'import json, sys; a = json.load(open(sys.argv[1])).get("advice") or {}; print(a.get("save_every", "") if a.get("current_save_every") else "")' "$dir/advice.json" 2>/dev/null || true)
		[[ -n $k ]] && break
		sleep 2
	done
	[[ -n $k ]] || { say "campaign c: report gave no advice; --save-every stays $save_every"; return 0; }
	say "campaign c: report advises --save-every $k"
	daemon_config c "$dir" "$k" >"$dir/config.yaml.new"
	mv "$dir/config.yaml.new" "$dir/config.yaml"
	kill -HUP "$daemon" 2>/dev/null || true
}

for s in $scenarios; do
	dir=$BENCH_WORK/campaign/$s
	rm -rf "$dir" && mkdir -p "$dir/ckpt" "$dir/state" && chmod 755 "$dir"
	names+=("nsvgp-$s-$$")
	case $s in
	a)
		# The human's environment holds what the daemon's env: holds.
		sim_env "$dir" "$save_every" | sed -E 's/^ *([A-Z_]+): "?([^"]*)"?$/export \1=\2/' >"$dir/env.sh"
		# shellcheck source=/dev/null
		( source "$dir/env.sh" && exec "$here/campaign_human.sh" "$dir" "${names[-1]}" "$limit" "${delays//,/ }" ) \
			2>"$dir/human.log" &
		pids+=($!)
		;;
	b | c)
		daemon_config "$s" "$dir" "$save_every" >"$dir/config.yaml"
		"$BENCH_BIN/nanosupervisord" run --config "$dir/config.yaml" --log-format json --exit-when-done 2>"$dir/daemon.log" &
		pids+=($!)
		[[ $s == c ]] && { apply_advice "$dir" "${pids[-1]}" & pids+=($!); }
		;;
	*) die "campaign: unknown scenario $s (a, b or c)" ;;
	esac
	date +%s.%N >"$dir/started"
done

say "campaign: running ${scenarios// /, } side by side (2 CPUs: one waits in the queue at times)"
# Other suites share the cluster: the most of their jobs seen at once.
others=0
for p in "${pids[@]}"; do
	while kill -0 "$p" 2>/dev/null; do
		(( $(date +%s) < deadline )) || die "campaign: not done within ${CAMPAIGN_DEADLINE:-1500} s (see $BENCH_WORK/campaign)"
		n=$(squeue -h -o %j 2>/dev/null | grep -vc '^nsvgp-' || true)
		(( n > others )) && others=$n
		sleep 2
	done
	wait "$p" || true
done
# The last job of a daemon may still be finishing after the run stopped.
for n in "${names[@]}"; do
	while [[ -n $(squeue -h --name="$n" -o %i 2>/dev/null) ]]; do sleep 2; done
done
pids=()
say "campaign: at most $others other job(s) on the cluster at once during the campaign"

for s in $scenarios; do
	dir=$BENCH_WORK/campaign/$s
	[[ $s == a ]] || "$BENCH_BIN/nanosupervisord" report "$(run_of "$s")" --config "$dir/config.yaml" --json >"$dir/report.json"
done
dirs=()
for s in $scenarios; do dirs+=("$s=$BENCH_WORK/campaign/$s"); done
"$py" "$here/campaign.py" analyse --iterations "$iters" --save-seconds "$save_seconds" --out "$out" \
	--evals "$eval_every:$eval_seconds,$core_every:$core_seconds" \
	--table "$BENCH_RESULTS/table.tsv" --schedule "$crash $hang $delays" "${dirs[@]}"
