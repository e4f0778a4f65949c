#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Exit 0 if the local clusters are up: every daemon alive per its PID
# file, each cluster's slurmctld answers, its node can take jobs, and sacct answers.
# Non-zero otherwise, with the first problem on stderr. Installs nothing,
# starts nothing, needs no root, takes well under a second when all is well.
#
#   deploy/slurm-local/status.sh [-v]     # -v: print each check as it passes
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LOG_TAG=slurm-status
# shellcheck source=lib.sh
source "$HERE/lib.sh"

VERBOSE=0
case ${1:-} in
-v | --verbose) VERBOSE=1 ;;
"") ;;
*) die "usage: $0 [-v]" ;;
esac

ok() { ((VERBOSE == 0)) || log "ok: $*"; }
down() {
	printf '[%s] down: %s\n' "$LOG_TAG" "$*" >&2
	exit 1
}

for name in "${DAEMONS[@]}"; do
	[[ -n ${DAEMON_EXE[$name]} ]] || down "$name is not installed (${DAEMON_BIN[$name]})"
	file=${DAEMON_PIDFILE[$name]}
	if [[ -e $file && ! -r $file ]]; then
		# Some PID files are not world-readable; sacct below proves the
		# database side for callers who cannot read them.
		ok "$name: $file not readable by $(id -un), skipped"
		continue
	fi
	daemon_pid "$name" || down "$name is not running (no live process in $file)"
	ok "$name: pid $DAEMON_PID"
done

host=$(node_name)
for c in "${CLUSTERS[@]}"; do
	node=$host
	[[ $c == "$LAB_CLUSTER" ]] || node=$host-$c
	conf=${CLUSTER_CONF_DIR[$c]}/slurm.conf
	SLURM_CONF=$conf timeout 10 scontrol ping 2>/dev/null | grep -q 'is UP' ||
		down "slurmctld of $c does not answer scontrol ping"
	ok "slurmctld of $c answers"
	state=$(SLURM_CONF=$conf timeout 10 sinfo -h -n "$node" -o %T 2>/dev/null | head -n 1) || state=""
	case $state in
	idle | mixed | allocated | completing | planned) ok "node $node ($c): $state" ;;
	*) down "node $node ($c) is '${state:-unknown}', not ready for jobs" ;;
	esac
done
timeout 10 sacct -n -X -S now-1minutes >/dev/null 2>&1 || down "sacct does not answer (slurmdbd or MariaDB)"
ok "sacct answers"
