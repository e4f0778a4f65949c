#!/usr/bin/env bash
# Scenario (a) of the goodput campaign: the guide's manual workflow. A human
# submits the job, and each time one ends, notices it after a delay (a
# fixed list, one per job end, scaled down from hours) and runs the guide's
# resume_latest.sh: resubmit from the highest model_*.pt, as nanochat's
# find_last_step picks it (a name, nothing opened), torn or not. A job that
# died loading a torn checkpoint is noticed like any other end; the human
# then reads its traceback, deletes that step's files and resumes again.
# Like the guide, the human looks at squeue, not at the log: a hung job
# runs until its time limit.
#
# usage: campaign_human.sh DIR JOB_NAME TIME_LIMIT_MIN "DELAY..."
#   DIR holds ckpt/ and receives slurm-<id>.out, jobs (one id a line) and
#   human.tsv (job, end noticed, resubmitted, resume step, what it saw).
#   The SIMTRAIN_* and NSV_SIMTRAIN variables come from the environment.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

dir=$1 name=$2 limit=$3
read -r -a delays <<<"$4"
script=$root/deploy/demo/train_d20_sim.sh

# resume_latest: the step nanochat's find_last_step would name (empty
# for a fresh start).
resume_latest() {
	find "$dir/ckpt" -maxdepth 1 -name 'model_*.pt' -printf '%f\n' 2>/dev/null |
		sed -nE 's/^model_0*([0-9]+)\.pt$/\1/p' | sort -n | tail -1
}

submit() {
	local step=$1 id
	id=$(cd "$dir" && sbatch --parsable -J "$name" --time="$limit" "$script" ${step:+"$step"}) || die "human: sbatch failed"
	echo "$id" >>"$dir/jobs"
	echo "$id"
}

# ended JOB: squeue no longer shows it pending, running or completing.
ended() {
	local st
	st=$(squeue -h -j "$1" -o %T 2>/dev/null) || return 0
	[[ -z $st || ! $st =~ ^(PENDING|CONFIGURING|RUNNING|COMPLETING|SUSPENDED|REQUEUED) ]]
}

: >"$dir/jobs"
printf 'job\tnoticed\tresubmitted\tresume_step\tsaw\n' >"$dir/human.tsv"
job=$(submit "")
for (( i = 0; ; i++ )); do
	until ended "$job"; do sleep 1; done
	delay=${delays[i % ${#delays[@]}]}
	sleep "$delay"
	noticed=$(date +%s.%N)
	log=$dir/slurm-$job.out
	saw=ended
	if grep -q '^=== Training complete! ===' "$log" 2>/dev/null; then
		printf '%s\t%s\t-\t-\tcomplete\n' "$job" "$noticed" >>"$dir/human.tsv"
		exit 0
	fi
	# A traceback out of load_checkpoint: the step it resumed from is torn.
	if grep -q 'in <module>' "$log" 2>/dev/null && grep -q 'load_checkpoint(' "$log" 2>/dev/null; then
		torn=$(sed -nE 's/^=== Resuming from step ([0-9]+) ===$/\1/p' "$log" | tail -1)
		if [[ -n $torn ]]; then
			saw="load failed at step $torn: deleted it"
			rm -f "$dir"/ckpt/*_"$(printf '%06d' "$torn")"[._]*
		fi
	fi
	step=$(resume_latest)
	job=$(submit "$step")
	printf '%s\t%s\t%s\t%s\t%s\n' "$job" "$noticed" "$(date +%s.%N)" "${step:--}" "$saw" >>"$dir/human.tsv"
done
