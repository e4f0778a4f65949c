#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Stop the Slurm 24.11 cluster: its daemons by PID file (deploy/slurm-local's
# down.sh, inside the root), then the namespaces' holder, which takes any
# job process left with it. The root stays for the next up.sh.
#
#   sudo deploy/slurm24/down.sh               # everything
#   sudo deploy/slurm24/down.sh slurmdbd      # only the daemons named; namespaces stay
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LOG_TAG=slurm24-down
# shellcheck source=lib.sh
source "$HERE/lib.sh"

[[ $EUID -eq 0 ]] || die "run as root: sudo $0"
if ! holder_pid; then
	log "not running"
	rm -f "$HOLDER_PIDFILE"
	exit 0
fi
in_root env LOG_TAG=slurm24-down "$LOCAL_IN_ROOT/down.sh" "$@"
(($# == 0)) || exit 0
log "stopping the holder (pid $HOLDER)"
kill -TERM "$HOLDER"
wait_for 30 holder_gone || die "holder pid $HOLDER still alive 30s after TERM"
rm -f "$HOLDER_PIDFILE"
log "all stopped in $((SECONDS - LOG_T0))s"
