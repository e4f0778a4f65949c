# shellcheck shell=bash
# shellcheck disable=SC2034 # variables used by the scripts that source this
# Shared by up.sh, down.sh and status.sh: where the five daemons keep their PID
# files, how to tell whether the process a PID file names really is that daemon,
# and how to stop one. Sourced, never run.

SLURM_RUN_DIR=/run/slurm
SLURM_LOG_DIR=/var/log/slurm

# LAB_CLUSTERS lists the clusters, all on this one host and one slurmdbd. The
# first is the local one (/etc/slurm, ports 6817-6818), which every client
# reaches without -M. Each further cluster (say snowy, as on UPPMAX) has its
# own slurmctld and slurmd, named slurmctld@snowy and slurmd@snowy here, with
# their own ports, state, PID files and conf dir (/etc/slurm-snowy, passed to
# them in SLURM_CONF); clients reach it with -M snowy through slurmdbd.
LAB_CLUSTERS=${LAB_CLUSTERS:-${LAB_CLUSTER:-lab},snowy}
IFS=, read -r -a CLUSTERS <<<"$LAB_CLUSTERS"
LAB_CLUSTER=${CLUSTERS[0]}

# The daemons in start order; down.sh stops them in reverse.
DAEMONS=(munged mariadbd slurmdbd slurmctld slurmd)
# The Debian packages that provide them (up.sh installs the missing ones;
# deploy/slurm24 installs the same into its Debian 13 root).
PACKAGES=(munge mariadb-server slurmctld slurmd slurmdbd slurm-client)
# Everything the daemons print before they detach goes here, so that a caller
# that captures our output through a pipe never waits on a daemon's open stdout.
START_LOG=$SLURM_LOG_DIR/slurm-local-start.log

LOG_TAG=${LOG_TAG:-slurm-local}
LOG_T0=$SECONDS

log() { printf '[%s +%ds] %s\n' "$LOG_TAG" "$((SECONDS - LOG_T0))" "$*"; }
die() {
	printf '[%s +%ds] ERROR: %s\n' "$LOG_TAG" "$((SECONDS - LOG_T0))" "$*" >&2
	exit 1
}

# Where each daemon's binary and PID file are. Arrays rather than functions
# that print: every $(...) is a fork, and forks are slow on a busy VM.
declare -A DAEMON_BIN=(
	[munged]=/usr/sbin/munged
	[mariadbd]=/usr/sbin/mariadbd
	[slurmdbd]=/usr/sbin/slurmdbd
	[slurmctld]=/usr/sbin/slurmctld
	[slurmd]=/usr/sbin/slurmd
)
declare -A DAEMON_PIDFILE=(
	[munged]=/run/munge/munged.pid
	[mariadbd]=/run/mysqld/mysqld.pid
	[slurmdbd]=$SLURM_RUN_DIR/slurmdbd.pid
	[slurmctld]=$SLURM_RUN_DIR/slurmctld.pid
	[slurmd]=$SLURM_RUN_DIR/slurmd.pid
)

# Per-cluster settings of the clusters after the first: cluster i (from 1)
# uses ports 6817+10i and 6818+10i.
declare -A CLUSTER_CONF_DIR=([$LAB_CLUSTER]=/etc/slurm)
declare -A CLUSTER_CTLD_PORT=([$LAB_CLUSTER]=6817)
for ((i = 1; i < ${#CLUSTERS[@]}; i++)); do
	c=${CLUSTERS[i]}
	CLUSTER_CONF_DIR[$c]=/etc/slurm-$c
	CLUSTER_CTLD_PORT[$c]=$((6817 + 10 * i))
	DAEMONS+=("slurmctld@$c" "slurmd@$c")
	DAEMON_BIN[slurmctld@$c]=/usr/sbin/slurmctld
	DAEMON_BIN[slurmd@$c]=/usr/sbin/slurmd
	DAEMON_PIDFILE[slurmctld@$c]=$SLURM_RUN_DIR/$c/slurmctld.pid
	DAEMON_PIDFILE[slurmd@$c]=$SLURM_RUN_DIR/$c/slurmd.pid
done
unset i c

# ctld_name CLUSTER / slurmd_name CLUSTER print the daemon names of CLUSTER.
ctld_name() { if [[ $1 == "$LAB_CLUSTER" ]]; then echo slurmctld; else echo "slurmctld@$1"; fi; }
slurmd_name() { if [[ $1 == "$LAB_CLUSTER" ]]; then echo slurmd; else echo "slurmd@$1"; fi; }

# DAEMON_EXE[NAME] is the file the kernel reports as /proc/PID/exe for that
# daemon. Debian installs /usr/sbin/slurmctld and /usr/sbin/slurmd as
# alternatives symlinks (to slurmctld-wlm, slurmd-wlm); comparing against the
# unresolved name made an earlier script think a live daemon was dead and start
# a second copy, which then deleted the first one's PID file on its way out.
# Resolved once by resolve_exes (again after installing): forks are slow on
# some VMs, and this is looked up for every check.
declare -A DAEMON_EXE=()
resolve_exes() {
	local name
	for name in "${DAEMONS[@]}"; do
		DAEMON_EXE[$name]=$(realpath -e "${DAEMON_BIN[$name]}" 2>/dev/null || true)
	done
}

# pid_is_daemon NAME PID: true if PID is a live (not zombie) process running
# NAME's executable.
pid_is_daemon() {
	local want=${DAEMON_EXE[$1]:-} exe comm stat name
	[[ -n $want ]] || return 1
	[[ -r /proc/$2/stat ]] || return 1
	# Daemons that detach are re-parented to PID 1, which may not reap them
	# here; a zombie is as good as gone.
	stat=$(<"/proc/$2/stat") || return 1
	stat=${stat##*) }
	[[ ${stat%% *} != Z ]] || return 1
	# The common case, decided without a fork.
	[[ /proc/$2/exe -ef $want ]] && return 0
	if exe=$(readlink "/proc/$2/exe" 2>/dev/null); then
		# After a package upgrade the running binary shows as "(deleted)".
		[[ ${exe% (deleted)} == "$want" ]]
		return
	fi
	# Only root may read another user's exe link; status.sh may run as anyone,
	# so fall back to the kernel's command name: the first 15 bytes of the
	# name it was started by, which for slurmctld is the symlink's name.
	comm=$(<"/proc/$2/comm") 2>/dev/null || return 1
	want=${want##*/}
	name=${DAEMON_BIN[$1]##*/}
	[[ $comm == "${want:0:15}" || $comm == "${name:0:15}" ]]
}

# daemon_pid NAME: true if NAME's PID file names a live NAME, whose PID it
# leaves in DAEMON_PID (a variable, not output: see DAEMON_BIN).
daemon_pid() {
	local file=${DAEMON_PIDFILE[$1]} pid
	DAEMON_PID=""
	[[ -r $file ]] || return 1
	read -r pid <"$file" 2>/dev/null || return 1
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	pid_is_daemon "$1" "$pid" || return 1
	DAEMON_PID=$pid
}

# daemon_orphans NAME prints the PIDs of every process running NAME's
# executable, PID file or not. Used only to refuse or adopt, never to signal.
# [[ -ef ]] compares inodes without a fork per process: this runs on every
# start, and forks are slow on some VMs.
daemon_orphans() {
	local want=${DAEMON_EXE[$1]:-} exe pid
	[[ -n $want ]] || return 0
	for exe in /proc/[0-9]*/exe; do
		[[ $exe -ef $want ]] || continue
		pid=${exe#/proc/}
		pid=${pid%/exe}
		pid_is_daemon "$1" "$pid" || continue
		# slurmctld runs a helper, slurmscriptd, from its own binary: a
		# child of the same binary is part of its parent, not an orphan.
		child_of_same "$pid" "$want" && continue
		# The same binary serves every cluster: a PID another cluster's
		# PID file claims is not an orphan of this one.
		claimed_by_other "$1" "$pid" || echo "$pid"
	done
	return 0
}

# child_of_same PID EXE: PID's parent runs EXE too.
child_of_same() {
	local stat ppid
	stat=$(<"/proc/$1/stat") 2>/dev/null || return 1
	stat=${stat##*) }
	read -r _ ppid _ <<<"$stat"
	[[ /proc/$ppid/exe -ef $2 ]]
}

# claimed_by_other NAME PID: another daemon's PID file names PID.
claimed_by_other() {
	local other pid
	for other in "${DAEMONS[@]}"; do
		[[ $other != "$1" && -r ${DAEMON_PIDFILE[$other]} ]] || continue
		read -r pid <"${DAEMON_PIDFILE[$other]}" 2>/dev/null || continue
		[[ $pid == "$2" ]] && return 0
	done
	return 1
}

# stop_daemon NAME TIMEOUT: TERM the process named by NAME's PID file (after
# checking it is NAME), wait up to TIMEOUT seconds, then KILL.
stop_daemon() {
	local name=$1 timeout=$2 pid file=${DAEMON_PIDFILE[$1]} deadline
	if ! daemon_pid "$name"; then
		log "$name: not running"
		rm -f "$file"
		return 0
	fi
	pid=$DAEMON_PID
	log "$name: stopping pid $pid"
	kill -TERM "$pid" 2>/dev/null || true
	deadline=$((SECONDS + timeout))
	while pid_is_daemon "$name" "$pid"; do
		if ((SECONDS >= deadline)); then
			log "$name: pid $pid still alive after ${timeout}s, sending KILL"
			kill -KILL "$pid" 2>/dev/null || true
			wait_for 10 pid_gone "$name" "$pid" || die "$name: pid $pid survived KILL"
			break
		fi
		sleep 0.1
	done
	# Slurm removes its own PID file on a clean exit; the others may not.
	rm -f "$file"
	log "$name: stopped"
}

pid_gone() { ! pid_is_daemon "$1" "$2"; }

# take_lock: one up.sh or down.sh at a time. Two up.sh runs racing (say, make
# and a test runner) would each see a daemon missing and start it twice.
take_lock() {
	exec 9>>/run/lock/slurm-local.lock
	if ! flock -n 9; then
		log "waiting for another up.sh or down.sh to finish"
		flock -w 600 9 || die "another up.sh or down.sh has held /run/lock/slurm-local.lock for 10 minutes"
	fi
}

# wait_for TIMEOUT COMMAND...: poll COMMAND (output discarded) every 0.2 s
# until it succeeds; return 1 after TIMEOUT seconds.
wait_for() {
	local timeout=$1 deadline
	shift
	deadline=$((SECONDS + timeout))
	until "$@" >/dev/null 2>&1; do
		((SECONDS < deadline)) || return 1
		sleep 0.2
	done
	return 0
}

# The host name Slurm uses for this node: the short name, as slurmd does.
node_name() { hostname -s; }

# host_ipv4 NAME prints the first IPv4 address NAME resolves to. Slurm 22.05
# speaks IPv4 only unless EnableIPv6 is set, so that is the one it binds.
host_ipv4() { getent ahostsv4 "$1" 2>/dev/null | awk 'NR == 1 { print $1 }'; }

resolve_exes
