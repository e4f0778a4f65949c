#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Stop the local clusters' daemons (LAB_CLUSTERS), last started first: TERM to the PID in each PID file,
# after checking that /proc/PID/exe is that daemon's binary, then wait until
# it has exited (KILL after LAB_STOP_WAIT seconds). Never signals by name.
# Idempotent: a daemon that is not running is skipped. Jobs' slurmstepd
# processes are left alone; a later up.sh's slurmd picks them up again.
#
#   sudo deploy/slurm-local/down.sh               # all five
#   sudo deploy/slurm-local/down.sh slurmdbd      # only the daemons named
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LOG_TAG=slurm-down
# shellcheck source=lib.sh
source "$HERE/lib.sh"

LAB_STOP_WAIT=${LAB_STOP_WAIT:-60}
[[ $LAB_STOP_WAIT =~ ^[0-9]+$ ]] || die "LAB_STOP_WAIT=$LAB_STOP_WAIT: want a whole number of seconds"
[[ $EUID -eq 0 ]] || die "run as root: sudo $0"
declare -A WANTED=()
for name in "$@"; do
	[[ -n ${DAEMON_PIDFILE[$name]:-} ]] || die "unknown daemon $name (known: ${DAEMONS[*]})"
	WANTED[$name]=1
done
take_lock

# Reverse start order: slurmctld flushes job records to slurmdbd on the way
# out, and slurmdbd needs MariaDB for that.
for ((i = ${#DAEMONS[@]} - 1; i >= 0; i--)); do
	(($# == 0)) || [[ -n ${WANTED[${DAEMONS[i]}]:-} ]] || continue
	stop_daemon "${DAEMONS[i]}" "$LAB_STOP_WAIT"
done
log "all stopped in $((SECONDS - LOG_T0))s"
