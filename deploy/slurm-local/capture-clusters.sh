#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Refresh the multi-cluster captures in pkg/slurm/testdata/real/ (cluster_*):
# what sbatch, sacct, squeue and scancel print when a job goes to the second
# cluster of up.sh (LAB_CLUSTERS, snowy by default) with -M. Like
# capture-testdata.sh, the job directory is written as /home/alice/nanochat.
#
#   sudo deploy/slurm-local/capture-clusters.sh [OUTDIR]
#
# Takes about half a minute. Disturbs only the second cluster: it stops its
# slurmctld once (by PID) and brings it back with up.sh.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LOG_TAG=capture-clusters
# shellcheck source=lib.sh
source "$HERE/lib.sh"

# shellcheck source=capture-lib.sh
source "$HERE/capture-lib.sh"
((${#CLUSTERS[@]} >= 2)) || die "LAB_CLUSTERS=$LAB_CLUSTERS has no second cluster"
C2=${CLUSTERS[1]}
capture_begin "${1:-$HERE/../../pkg/slurm/testdata/real}"
[[ -z $(squeue -h -M "$C2" -t pending,running,completing) ]] || die "cluster $C2 has jobs; run this when it is idle"

cat >directive.sh <<EOF
#!/bin/bash
#SBATCH -J directive
#SBATCH --clusters=$C2
sleep 1
EOF

sacct_rows() { sacct --parsable2 --noheader -X --delimiter="$US" -M "$C2" -j "$1" --format="$SACCT_FORMAT"; }
running_on() { [[ $(squeue -h -M "$C2" -j "$1" -o %T 2>/dev/null) == RUNNING ]]; }

sbatch --parsable -M "$C2" -J d20 --comment=nsv:d20:1:abc123 exit.sh 0 6 >"$WD/sbatch.out"
save cluster_submit.sbatch <"$WD/sbatch.out"
J=$(cut -d';' -f1 "$WD/sbatch.out")
sbatch --parsable directive.sh >"$WD/sbatch.out"
save cluster_directive.sbatch <"$WD/sbatch.out"
D=$(cut -d';' -f1 "$WD/sbatch.out")
wait_for 30 running_on "$J" || die "job $J;$C2 did not start"
squeue --noheader --me --states=all -M "$C2" --format="$SQUEUE_FORMAT" | save cluster_noheader.squeue
squeue --me --states=all -M "$C2" --format="$SQUEUE_FORMAT" | save cluster_header.out
wait_for 60 settled "$J" || die "job $J;$C2 did not end"
wait_for 60 settled "$D" || die "job $D;$C2 did not end"
sacct_rows "$J,$D" | save cluster.sacct
stderr_of sbatch_unknown_cluster.stderr sbatch --parsable -M nosuchcluster exit.sh

stop_daemon "slurmctld@$C2" 60
stderr_of sbatch_cluster_ctld_down.stderr sbatch --parsable -M "$C2" exit.sh
stderr_of squeue_cluster_ctld_down.stderr squeue --noheader --me --states=all -M "$C2" --format="$SQUEUE_FORMAT"
"$HERE/up.sh" >/dev/null
log "done in $((SECONDS - LOG_T0))s"
