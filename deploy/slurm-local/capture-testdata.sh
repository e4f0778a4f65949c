#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Refresh pkg/slurm/testdata/real/ from the local cluster: submits real jobs
# and saves the exact stdout of sacct, squeue and sbatch (and the stderr of
# failing commands) that pkg/slurm's parser tests read. The directory the jobs
# run in is written as /home/alice/nanochat, so no path of this machine lands
# in the repository.
#
#   sudo deploy/slurm-local/capture-testdata.sh [OUTDIR]
#   sudo deploy/slurm-local/capture-testdata.sh --odd-names [OUTDIR]
#   sudo deploy/slurm-local/capture-testdata.sh --accounting [OUTDIR]
#
# Takes about three minutes (a real --time=1 TIMEOUT). Disturbs the cluster:
# it stops slurmdbd and slurmctld once each (by PID) and brings them back with
# up.sh. Run it on an otherwise idle cluster: it needs both CPUs of a 2-CPU
# node to produce PENDING and PREEMPTED.
#
# --odd-names captures only the jobs whose free text holds '|' or the field
# delimiter itself (odd_names.*, unreadable/*). It disturbs nothing and may
# run beside other jobs: it lists its own jobs by id, not with --me.
#
# --accounting captures, with the accounting fields (AllocTRES, NodeList)
# at the end of the format, a completed, a TIMEOUT, a running, a pending and
# a cancelled-while-pending job (accounting/*). It disturbs nothing and may
# run beside other jobs; it takes about 90 s (the TIMEOUT).
#
# Fields are separated by 0x1F, as pkg/slurm asks (slurm.Delimiter). The
# captures directly in testdata/real were made with '|' by an earlier
# version of this script; OUTDIR defaults to testdata/real/unitsep.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LOG_TAG=capture
# shellcheck source=lib.sh
source "$HERE/lib.sh"

ONLY=
case ${1:-} in
--odd-names | --accounting)
	ONLY=${1#--}
	shift
	;;
esac
# shellcheck source=capture-lib.sh
source "$HERE/capture-lib.sh"
# The format pkg/slurm asks for since it accounts for GPU-hours.
SACCT_FORMAT_ACCOUNTING=$SACCT_FORMAT,AllocTRES,NodeList
capture_begin "${1:-$HERE/../../pkg/slurm/testdata/real/unitsep}"
[[ -n $ONLY || -z $(squeue -h -t pending,running,completing) ]] || die "the cluster has jobs; run this on an idle cluster"

cat >hang.sh <<'EOF'
#!/bin/bash
#SBATCH -J hang
# Ignores SIGTERM (and so does sleep, which inherits it): the job stays
# COMPLETING until SIGKILL comes KillWait seconds after scancel.
trap '' TERM
sleep 300
EOF

sacct_rows() { sacct --parsable2 --noheader -X --delimiter="$US" -j "$1" --format="$SACCT_FORMAT"; }
squeue_rows() { squeue --noheader --me --states=all --format="$SQUEUE_FORMAT"; }
field() { sacct --parsable2 --noheader -X -j "$1" --format="$2" 2>/dev/null | head -n 1; }
state_is() { [[ $(field "$1" State) == "$2" ]]; }
queue_state_is() { [[ $(squeue -h -j "$1" -o %T 2>/dev/null) == "$2" ]]; }
await() {
	local secs=$1
	shift
	wait_for "$secs" "$@" || die "timed out after ${secs}s: $*"
}


# capture_odd_names: a job named x|y with a comment holding '|' and a run's
# job, both in a directory whose name holds '|'; then, in unreadable/, a
# job whose name holds the delimiter itself next to a plain one: its row
# has a field too many, the other row must still be read.
capture_odd_names() {
	local odd="$WD/odd|dir" a b c d ids
	mkdir -p "$odd" "$OUT/unreadable"
	cp exit.sh "$odd/"
	a=$(cd "$odd" && sbatch --parsable -J 'x|y' --comment='note|with|pipes' exit.sh 0 8)
	b=$(cd "$odd" && sbatch --parsable -J d20 --comment=nsv:d20:1:abc123 exit.sh 3 8)
	c=$(sbatch --parsable -J "u${US}v" exit.sh 0 8)
	d=$(sbatch --parsable -J plain exit.sh 0 8)
	ids=$a,$b,$c,$d
	await 120 queue_state_is "$b" RUNNING
	squeue --noheader --states=all -j "$a,$b" --format="$SQUEUE_FORMAT" | save odd_names.squeue
	squeue --noheader --states=all -j "$c,$d" --format="$SQUEUE_FORMAT" | save unreadable/mixed.squeue
	await 120 settled "$a"
	await 120 settled "$b"
	await 120 settled "$d"
	await 60 state_is "$c" COMPLETED
	sacct_rows "$a,$b" | save odd_names.sacct
	sacct_rows "$c,$d" | save unreadable/mixed.sacct
	log "odd names: jobs $ids"
}
# capture_accounting: rows in the accounting format, in accounting/.
capture_accounting() {
	local c t p x
	mkdir -p "$OUT/accounting"
	acct_rows() { sacct --parsable2 --noheader -X --delimiter="$US" -j "$1" --format="$SACCT_FORMAT_ACCOUNTING"; }
	t=$(sbatch --parsable --time=1 -J timeout exit.sh 0 300)
	c=$(sbatch --parsable -J d20 --comment=nsv:d20:1:abc123 exit.sh 0 5)
	p=$(sbatch --parsable --begin=now+1hour -J later exit.sh 0 1)
	x=$(sbatch --parsable --begin=now+1hour -J dropped exit.sh 0 1)
	await 60 queue_state_is "$c" RUNNING
	await 30 state_is "$c" RUNNING
	await 30 state_is "$p" PENDING
	acct_rows "$c,$p" | save accounting/running_pending.sacct
	scancel "$x"
	await 60 settled "$c"
	await 60 settled "$x"
	acct_rows "$c" | save accounting/completed.sacct
	acct_rows "$x" | save accounting/cancelled_pending.sacct
	scancel "$p"
	await 200 settled "$t"
	acct_rows "$t" | save accounting/timeout.sacct
	log "accounting: jobs $t,$c,$p,$x"
}
if [[ $ONLY == accounting ]]; then
	capture_accounting
	log "done in $((SECONDS - LOG_T0))s"
	exit 0
fi
if [[ $ONLY == odd-names ]]; then
	capture_odd_names
	log "done in $((SECONDS - LOG_T0))s"
	exit 0
fi

# The TIMEOUT job takes one CPU for about 90 s; the rest runs meanwhile.
sbatch --parsable --time=1 -J timeout exit.sh 0 300 >"$WD/sbatch.out"
save submit.sbatch <"$WD/sbatch.out"
T=$(<"$WD/sbatch.out")
await 30 queue_state_is "$T" RUNNING

C=$(sbatch --parsable exit.sh 0 2)
F=$(sbatch --parsable -J fail3 exit.sh 3 2)
M=$(sbatch --parsable -J d20 --comment=nsv:d20:1:abc123 exit.sh 0 4)
await 30 queue_state_is "$M" RUNNING
squeue_rows | save running.squeue
await 60 settled "$C"
sacct_rows "$C" | save completed.sacct
await 60 settled "$F"
sacct_rows "$F" | save failed.sacct
await 60 settled "$M"
await 30 state_is "$M" COMPLETED
[[ -n $(field "$M" Comment) ]] || die "job $M has no Comment in sacct: is AccountingStoreFlags=job_comment set?"
sacct_rows "$M" | save comment.sacct

X=$(sbatch --parsable hang.sh)
await 30 queue_state_is "$X" RUNNING
scancel "$X"
await 10 queue_state_is "$X" COMPLETING
squeue_rows | save completing.squeue
await 60 settled "$X"
sacct_rows "$X" | save cancelled.sacct

# Two CPUs wanted while the TIMEOUT job holds one: PENDING (Resources).
P=$(sbatch --parsable -c 2 -J wide exit.sh 0 2)
await 30 queue_state_is "$P" PENDING
await 30 state_is "$P" PENDING
sacct_rows "$P" | save pending.sacct
squeue_rows | save pending.squeue

stderr_of sbatch_invalid_partition.stderr sbatch --parsable -p nosuchpart exit.sh
stderr_of sbatch_invalid_account.stderr sbatch --parsable -A nosuchacct exit.sh
stderr_of sbatch_no_script.stderr sbatch --parsable /nonexistent/train.sh
stderr_of scancel_invalid_job.stderr scancel 999999

# slurmdbd stopped by PID: sacct fails at once; squeue and sbatch go on.
stop_daemon slurmdbd 60
stderr_of sacct_dbd_down.stderr sacct_rows "$C"
"$HERE/up.sh" >/dev/null

await 200 settled "$T"
sacct_rows "$T" | save timeout.sacct
await 120 settled "$P"

# PREEMPTED: urgent (PriorityTier 10) cancels cancelme's job for its CPUs.
Q=$(sbatch --parsable -p cancelme -c 2 -J preemptee exit.sh 0 300)
await 60 queue_state_is "$Q" RUNNING
U=$(sbatch --parsable -p urgent -c 2 -J urgent exit.sh 0 1)
await 60 settled "$Q"
await 60 settled "$U"
sacct_rows "$Q,$U" | save preempted.sacct

# shellcheck disable=SC2016 # expanded by the job, not here
sbatch --parsable --array=0-2 -J arr --wrap 'sleep 1; exit $SLURM_ARRAY_TASK_ID' >"$WD/sbatch.out"
save array.sbatch <"$WD/sbatch.out"
A=$(<"$WD/sbatch.out")
await 60 settled "${A}_2"
await 30 settled "${A}_0"
sacct_rows "$A" | save array.sacct
sbatch --parsable -M "$(scontrol show config | awk '$1 == "ClusterName" { print $3 }')" exit.sh 0 1 \
	>"$WD/sbatch.out"
save cluster.sbatch <"$WD/sbatch.out"
K=$(cut -d';' -f1 "$WD/sbatch.out")
await 60 settled "$K"

sacct_rows "$C,$F,$M,$P,$X,$T,$Q,$U,$K" | save mixed.sacct
capture_odd_names

# slurmctld stopped by PID: squeue and sbatch fail after about 9 s.
stop_daemon slurmctld 60
stderr_of squeue_ctld_down.stderr squeue --noheader --me --states=all --format="$SQUEUE_FORMAT"
stderr_of sbatch_ctld_down.stderr sbatch --parsable exit.sh
"$HERE/up.sh" >/dev/null
log "done in $((SECONDS - LOG_T0))s"
