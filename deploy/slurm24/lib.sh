# shellcheck shell=bash
# shellcheck disable=SC2034 # variables used by the scripts that source this
# Shared by up.sh, down.sh, status.sh and exec.sh: where the Debian 13 root
# lives, and how to find the process that holds its namespaces. Sourced,
# never run. The logging and waiting helpers come from deploy/slurm-local.

SLURM24_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LOG_TAG=${LOG_TAG:-slurm24}
# shellcheck source=../slurm-local/lib.sh
source "$SLURM24_HERE/../slurm-local/lib.sh"

# Knobs (environment), all optional; README.md beside this file says more.
NSV_SLURM24_DIR=${NSV_SLURM24_DIR:-/var/lib/nsv-slurm24}
NSV_SLURM24_SUITE=${NSV_SLURM24_SUITE:-trixie}
NSV_SLURM24_MIRROR=${NSV_SLURM24_MIRROR:-http://deb.debian.org/debian}
# Host directories bind-mounted at the same path inside the root, so that
# jobs see the scripts, binaries and checkpoint directories of the tests.
NSV_SLURM24_SHARE=${NSV_SLURM24_SHARE:-/tmp}

ROOT=$NSV_SLURM24_DIR/root
HOLDER_PIDFILE=$NSV_SLURM24_DIR/holder.pid
HOLDER_LOG=$NSV_SLURM24_DIR/holder.log
# Where the slurm-local scripts are copied inside the root: up.sh, down.sh
# and status.sh run there, unchanged, against the root's Slurm.
LOCAL_IN_ROOT=/opt/nsv/slurm-local

# holder_pid: true if the PID file names a live holder, a process whose
# root directory is ROOT and whose network namespace is not ours; its PID
# (as the host sees it) is left in HOLDER.
holder_pid() {
	local pid
	HOLDER=""
	[[ -r $HOLDER_PIDFILE ]] || return 1
	read -r pid <"$HOLDER_PIDFILE" 2>/dev/null || return 1
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	[[ /proc/$pid/root -ef $ROOT ]] || return 1
	[[ ! /proc/$pid/ns/net -ef /proc/self/ns/net ]] || return 1
	HOLDER=$pid
}

# enter_command sets ENTER to the command line that runs a command in the
# holder's network, mount and PID namespaces, chrooted into ROOT, in the
# caller's directory when the root has it (the shared directories) and in /
# otherwise.
enter_command() {
	holder_pid || die "the 24.11 cluster is not up (no holder in $HOLDER_PIDFILE); run make slurm24-up"
	local wd=/
	[[ -d /proc/$HOLDER/root$PWD ]] && wd=$PWD
	ENTER=(nsenter --target "$HOLDER" --net --mount --pid --root --wdns="$wd" --)
}

# in_root COMMAND...: run COMMAND inside (see enter_command).
in_root() {
	enter_command
	"${ENTER[@]}" "$@"
}
holder_gone() { ! holder_pid; }
