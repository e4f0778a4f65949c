#!/bin/bash
#SBATCH -J d20-sim
#SBATCH -c 1
#SBATCH --mem=512M
#SBATCH --time=00:10:00

# Simulated nanochat depth=20 training with checkpointing, shaped like
# nanochat's runs/uppmax/train_d20_checkpoint.sh but running nsv-simtrain
# (no GPU, no data, seconds instead of hours).
#
# Usage: sbatch [sbatch options] train_d20_sim.sh [resume_step]
#   An empty or missing resume_step starts a fresh run, unless NSV_RUN names
#   the run: then the step is asked for when the job starts (`nanosupervisord
#   resume-step`), as a run with queue_ahead: true needs, since its queued
#   successor is submitted before its step is known.
#   sbatch options on the command line (e.g. --time=1) override the #SBATCH
#   lines above.
#
# Everything about the simulated run comes from SIMTRAIN_* variables, which
# sbatch passes through from the submitting environment (its default
# --export=ALL). Defaults below make a 600-step run of about a minute; any
# other nsv-simtrain flag can be set the same way (SIMTRAIN_<FLAG>, e.g.
# SIMTRAIN_CRASH_AT_STEP=250 SIMTRAIN_CRASH_ONCE_FILE=$PWD/crashed-once).
#
# Slurm runs a copy of this script from its spool directory, so nothing here
# is found relative to the script: the simulator comes from $NSV_SIMTRAIN or
# PATH, and relative paths are relative to the job's working directory (the
# directory sbatch was run in, unless --chdir says otherwise).
#
# Unlike the UPPMAX script, this one does not trap SIGTERM: a TIMEOUT kills the
# trainer wherever it is, possibly mid-save, which is the case the supervisor
# must survive. No --output line: stdout and stderr (tracebacks included) both
# land in the default slurm-<jobid>.out in the working directory.

set -uo pipefail

SIMTRAIN="${NSV_SIMTRAIN:-nsv-simtrain}"
RESUME_STEP="${1:-}"
if [[ $# -eq 0 && -n "${NSV_RUN:-}" ]]; then
    # Exit status 4: the checkpoint directory is missing or went backwards;
    # starting afresh would overwrite the run.
    RESUME_STEP="$("${NANOSUPERVISORD:-nanosupervisord}" resume-step "$NSV_RUN")" || exit 1
fi

echo "=== nanochat depth=20 training with checkpointing (simulated) ==="
echo "Job ID: ${SLURM_JOB_ID:-none (not under Slurm)}"
echo "Node: ${SLURM_NODELIST:-$(hostname)}"
echo "Working directory: $PWD"
echo "Started at: $(date)"

if ! command -v "$SIMTRAIN" >/dev/null 2>&1; then
    echo "error: simulator '$SIMTRAIN' not found: put nsv-simtrain on PATH or set NSV_SIMTRAIN" >&2
    exit 127
fi

export NANOCHAT_BASE_DIR="${NANOCHAT_BASE_DIR:-$HOME/.cache/nanochat}"
mkdir -p "$NANOCHAT_BASE_DIR"

# Checkpointing cadence of the UPPMAX script, scaled down to a demo.
export SIMTRAIN_NUM_ITERATIONS="${SIMTRAIN_NUM_ITERATIONS:-600}"
export SIMTRAIN_SAVE_EVERY="${SIMTRAIN_SAVE_EVERY:-100}"
export SIMTRAIN_EVAL_EVERY="${SIMTRAIN_EVAL_EVERY:-50}"
export SIMTRAIN_CORE_METRIC_EVERY="${SIMTRAIN_CORE_METRIC_EVERY:-200}"
export SIMTRAIN_STEP_TIME="${SIMTRAIN_STEP_TIME:-0.1}"

if [[ -n "$RESUME_STEP" ]]; then
    echo "=== Resuming from step $RESUME_STEP ==="
fi

TRAIN_CMD=("$SIMTRAIN" --depth=20 --device-batch-size=8 --run=dummy)
if [[ -n "$RESUME_STEP" ]]; then
    TRAIN_CMD+=("--resume-from-step=$RESUME_STEP")
fi

echo "Checkpoint directory: ${SIMTRAIN_CHECKPOINT_DIR:-$NANOCHAT_BASE_DIR/base_checkpoints/${SIMTRAIN_MODEL_TAG:-d20}}"
echo "Simulation settings:"
env | grep '^SIMTRAIN_' | sort | sed 's/^/  /'
echo "Training command: ${TRAIN_CMD[*]}"

"${TRAIN_CMD[@]}"
rc=$?

echo ""
if [[ $rc -eq 0 ]]; then
    echo "=== Training complete! ==="
else
    echo "=== Training failed with exit code $rc ==="
fi
echo "Finished at: $(date)"
exit $rc
