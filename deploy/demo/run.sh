#!/usr/bin/env bash
# make demo: a simulated nanochat d20 run on the local Slurm cluster,
# supervised by nanosupervisord in the foreground.
#
# The first job hangs while saving step 200 and hits its 1-minute time limit
# (TIMEOUT, torn checkpoint); the second resumes from step 100, saves 200
# and crashes at step 250 (FAILED); the third resumes from 200 and reaches
# the targets (val_bpb <= 0.75, CORE >= 0.22) at step 400. The daemon's own
# log narrates; a summary follows. Takes about three minutes.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
bin="$root/bin"
for b in nanosupervisord nsv-simtrain; do
	[[ -x "$bin/$b" ]] || { echo "demo: $bin/$b missing: run 'make build' first" >&2; exit 1; }
done
if ! "$root/deploy/slurm-local/status.sh" >/dev/null 2>&1; then
	echo "demo: the local Slurm cluster is not up: run 'make slurm-up' (or 'make demo', which does it)" >&2
	exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/nsv-demo.XXXXXX")
chmod 755 "$work"
job_name="d20-demo-$$"
daemon_pid=""
cleanup() {
	[[ -n "$daemon_pid" ]] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
	# Leave nothing running but the cluster itself.
	scancel --name="$job_name" 2>/dev/null || true
}
trap cleanup EXIT

mkdir -p "$work/ckpt" "$work/state"
cat >"$work/config.yaml" <<YAML
# Written by make demo. Every key: config.example.yaml.
poll_interval: 5s
state_dir: $work/state
runs:
  d20:
    script: $root/deploy/demo/train_d20_sim.sh
    workdir: $work
    checkpoint_dir: $work/ckpt
    job_name: $job_name
    sbatch_args: ["--time=1"]
    log: slurm-%j.out
    start: submit
    targets: {val_bpb: 0.75, core_metric: 0.22}
    policy: {backoff: 5s, max_backoff: 30s}
    env:
      NSV_SIMTRAIN: $bin/nsv-simtrain
      SIMTRAIN_CHECKPOINT_DIR: $work/ckpt
      SIMTRAIN_NUM_ITERATIONS: "500"
      SIMTRAIN_HANG_IN_SAVE_AT_STEP: "200"
      SIMTRAIN_HANG_ONCE_FILE: $work/hung-once
      SIMTRAIN_CRASH_AT_STEP: "250"
      SIMTRAIN_CRASH_CODE: "1"
      SIMTRAIN_CRASH_ONCE_FILE: $work/crashed-once
YAML

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
say "demo directory: $work"
say "config:"; sed 's/^/   /' "$work/config.yaml"
"$bin/nanosupervisord" check-config "$work/config.yaml"

say "starting: nanosupervisord run --exit-when-done (log below, one line per decision)"
start=$(date +%s)
"$bin/nanosupervisord" run --config "$work/config.yaml" --log-format=console --exit-when-done &
daemon_pid=$!
set +e
wait "$daemon_pid"
rc=$?
set -e
daemon_pid=""
elapsed=$(( $(date +%s) - start ))

say "what happened ($elapsed s)"
"$bin/nanosupervisord" history d20 --config "$work/config.yaml" || true
echo
"$bin/nanosupervisord" status --config "$work/config.yaml" || true
echo

# The last job may still be training past the targets: let it finish.
for _ in $(seq 60); do
	[[ -z "$(squeue -h --name="$job_name" -o %i 2>/dev/null)" ]] && break
	sleep 1
done
# No job writes to the directory any more: judge every step as it is.
"$bin/nanosupervisord" ckpt --settle 0 "$work/ckpt" || true

resubmits=$(grep -c '"event":"job_resubmitted"' "$work/state/journal.jsonl" || true)
say "summary"
echo "   daemon exit code: $rc (0: every run reached its targets)"
echo "   submissions by the daemon: $resubmits"
echo "   journal: $work/state/journal.jsonl   training logs: $work/slurm-*.out"
echo "   the local Slurm cluster is still up; stop it with: make slurm-down"
exit "$rc"
