#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Exit 0 if the Slurm 24.11 cluster is up: its namespaces exist and
# deploy/slurm-local's status.sh, run inside the root, says all is well.
#
#   deploy/slurm24/status.sh [-v]      # root
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LOG_TAG=slurm24-status
# shellcheck source=lib.sh
source "$HERE/lib.sh"

holder_pid || {
	printf '[%s] down: no namespaces (no live holder in %s)\n' "$LOG_TAG" "$HOLDER_PIDFILE" >&2
	exit 1
}
in_root "$LOCAL_IN_ROOT/status.sh" "$@"
