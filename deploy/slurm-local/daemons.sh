# shellcheck shell=bash
# Starting each daemon, waiting until it answers, and the accounting
# associations. Sourced by up.sh after lib.sh and conf.sh; uses HOST, ADDR,
# DB_PASS, the *_CHANGED flags and the LAB_* knobs.

# running NAME: true (and logs the PID) if NAME's PID file names a live NAME.
# A NAME that runs without a PID file (say, one deleted by hand) is adopted
# rather than joined by a second copy: a second slurmd or slurmctld cannot bind
# its port, and on its way out deletes or overwrites the first one's PID file.
running() {
	local name=$1 orphans
	if daemon_pid "$name"; then
		log "$name: running (pid $DAEMON_PID)"
		return 0
	fi
	mapfile -t orphans < <(daemon_orphans "$name")
	case ${#orphans[@]} in
	0) return 1 ;;
	1)
		echo "${orphans[0]}" >"${DAEMON_PIDFILE[$name]}"
		log "$name: adopted pid ${orphans[0]}, which ran without a PID file"
		return 0
		;;
	*) die "$name: several processes (${orphans[*]}) run without a PID file; stop them first" ;;
	esac
}

# launch NAME COMMAND...: run COMMAND, which must detach, and wait until
# NAME's PID file names a live NAME.
launch() {
	local name=$1
	shift
	rm -f "${DAEMON_PIDFILE[$name]}"
	printf '=== %s %s: %s\n' "$(date '+%F %T')" "$name" "$*" >>"$START_LOG"
	# 9>&-: a daemon must not inherit take_lock's descriptor, or it would hold
	# the lock for as long as it runs.
	"$@" </dev/null >>"$START_LOG" 2>&1 9>&- || die "$name failed to start; see $START_LOG"
	wait_for "$LAB_WAIT" daemon_pid "$name" ||
		die "$name: no live process in ${DAEMON_PIDFILE[$name]} after ${LAB_WAIT}s; see $START_LOG"
	# Called after || (errexit is off there), so every failure is checked.
	daemon_pid "$name" || die "$name exited right after starting; see $START_LOG"
	log "$name: started (pid $DAEMON_PID)"
}

ensure_munge() {
	running munged ||
		launch munged runuser -u munge -- "${DAEMON_BIN[munged]}" --pid-file="${DAEMON_PIDFILE[munged]}"
	wait_for "$LAB_WAIT" bash -c 'munge -n | unmunge' || die "munge does not answer; see /var/log/munge/munged.log"
}

mariadb_query() { mariadb --protocol=socket -N -B -e "$1"; }

ensure_mariadb() {
	local skip
	if running mariadbd; then
		if [[ $MARIADB_CHANGED == 1 ]]; then
			stop_daemon mariadbd "$LAB_WAIT"
		elif skip=$(mariadb_query 'SELECT @@skip_networking' 2>/dev/null) && [[ $skip != 1 ]]; then
			# Started by someone else, or with a broken include chain.
			log "mariadbd: has TCP networking on; restarting it"
			stop_daemon mariadbd "$LAB_WAIT"
		fi
	fi
	if ! daemon_pid mariadbd; then
		if [[ ! -d /var/lib/mysql/mysql ]]; then
			log "mariadbd: creating the data directory"
			mariadb-install-db --user=mysql --datadir=/var/lib/mysql --skip-test-db >>"$START_LOG" 2>&1 ||
				die "mariadb-install-db failed; see $START_LOG"
		fi
		# The command-line flags win over any cnf file, so a broken include
		# chain in /etc/mysql cannot open TCP port 3306.
		launch mariadbd setsid -f "${DAEMON_BIN[mariadbd]}" --user=mysql \
			--pid-file="${DAEMON_PIDFILE[mariadbd]}" --skip-networking --bind-address=127.0.0.1
	fi
	wait_for "$LAB_WAIT" mariadb_query 'SELECT 1' || die "mariadbd does not answer; see /var/log/mysql/error.log"
}

# ensure_database makes the accounting database and its user, and (re)sets
# the user's password to the one in slurmdbd.conf. Statements go through
# stdin so that the password never shows in ps.
ensure_database() {
	mariadb --protocol=socket <<EOF || die "could not create the accounting database"
CREATE DATABASE IF NOT EXISTS ${DB_NAME};
CREATE USER IF NOT EXISTS '${DB_USER}'@'localhost' IDENTIFIED BY '${DB_PASS}';
ALTER USER '${DB_USER}'@'localhost' IDENTIFIED BY '${DB_PASS}';
GRANT ALL ON ${DB_NAME}.* TO '${DB_USER}'@'localhost';
EOF
}

ensure_slurmdbd() {
	if running slurmdbd && [[ $DBD_CHANGED == 1 ]]; then
		stop_daemon slurmdbd "$LAB_WAIT"
	fi
	daemon_pid slurmdbd || launch slurmdbd "${DAEMON_BIN[slurmdbd]}"
}

# list_assocs prints every association as cluster|account|user; it doubles as
# the check that slurmdbd answers (one sacctmgr call costs about 0.2 s).
list_assocs() {
	local deadline=$((SECONDS + LAB_WAIT))
	until timeout 10 sacctmgr -n -P list assoc format=cluster,account,user 2>/dev/null; do
		((SECONDS < deadline)) || die "slurmdbd does not answer; see $SLURM_LOG_DIR/slurmdbd.log"
		sleep 0.2
	done
}

# has_row LISTING ROW: LISTING has a line that is exactly ROW.
has_row() { [[ $'\n'$1$'\n' == *$'\n'"$2"$'\n'* ]]; }

ensure_associations() {
	local user assocs c
	assocs=$(list_assocs)
	for c in "${CLUSTERS[@]}"; do
		if [[ $'\n'$assocs != *$'\n'"${c}|"* ]]; then
			sacctmgr -i add cluster "$c" >/dev/null
			log "added cluster $c"
		fi
		if ! has_row "$assocs" "${c}|${LAB_ACCOUNT}|"; then
			sacctmgr -i add account "$LAB_ACCOUNT" cluster="$c" \
				description="local test account" organization=lab >/dev/null
			log "added account $LAB_ACCOUNT on $c"
		fi
		for user in $(lab_users); do
			has_row "$assocs" "${c}|${LAB_ACCOUNT}|${user}" && continue
			id -u "$user" >/dev/null 2>&1 || die "LAB_USERS: no such user $user"
			sacctmgr -i add user "$user" account="$LAB_ACCOUNT" cluster="$c" >/dev/null
			log "added user $user to account $LAB_ACCOUNT on $c"
		done
	done
}

# on_cluster CLUSTER COMMAND...: run a Slurm command with CLUSTER's own
# slurm.conf, as its daemons read it.
on_cluster() {
	local c=$1
	shift
	SLURM_CONF=${CLUSTER_CONF_DIR[$c]}/slurm.conf "$@"
}

ctld_up() { on_cluster "$1" scontrol ping 2>/dev/null | grep -q 'is UP'; }

# ensure_slurmctld CLUSTER
ensure_slurmctld() {
	local c=$1 name
	name=$(ctld_name "$c")
	if running "$name" && [[ ${SLURM_CHANGED[$c]} == 1 ]]; then
		stop_daemon "$name" "$LAB_WAIT"
	fi
	cluster_paths "$c"
	daemon_pid "$name" || launch "$name" on_cluster "$c" "${DAEMON_BIN[$name]}"
	wait_for "$LAB_WAIT" ctld_up "$c" || die "scontrol ping does not say UP for $c; see $C_LOG/slurmctld.log"
}

# slurmd_registered_since CLUSTER NODE EPOCH: slurmctld has heard from a slurmd
# started at or after EPOCH. (scontrol show slurmd asks slurmd itself and hung
# when the host name mapped to 127.0.1.1, so ask slurmctld instead.)
slurmd_registered_since() {
	local t
	t=$(on_cluster "$1" scontrol show node "$2" 2>/dev/null | sed -n 's/.*SlurmdStartTime=\([^ ]*\).*/\1/p')
	[[ -n $t && $t != None ]] || return 1
	(($(date -d "$t" +%s) >= $3))
}

# ensure_slurmd CLUSTER
ensure_slurmd() {
	local c=$1 since name
	name=$(slurmd_name "$c")
	if running "$name" && [[ ${SLURM_CHANGED[$c]} == 1 ]]; then
		stop_daemon "$name" "$LAB_WAIT"
	fi
	daemon_pid "$name" && return
	cluster_paths "$c"
	since=$(date +%s)
	launch "$name" on_cluster "$c" "${DAEMON_BIN[$name]}" -N "$C_NODE"
	wait_for "$LAB_WAIT" slurmd_registered_since "$c" "$C_NODE" "$since" ||
		die "slurmd of $c did not register with its slurmctld; see $C_LOG/slurmd.log"
}

# wait_node_ready CLUSTER waits until the cluster's node can run jobs,
# resuming it if it is down or drained (a restart can leave it so;
# ReturnToService=2 covers most cases).
wait_node_ready() {
	local c=$1 state deadline=$((SECONDS + LAB_WAIT)) next_resume=0
	cluster_paths "$c"
	while :; do
		state=$(on_cluster "$c" timeout 10 sinfo -h -n "$C_NODE" -o %T 2>/dev/null | head -n 1) || state=""
		case $state in
		idle | mixed | allocated | completing | planned)
			log "node $C_NODE ($c): $state"
			return
			;;
		down* | drain* | fail*)
			if ((SECONDS >= next_resume)); then
				log "node $C_NODE ($c): $state; resuming it"
				on_cluster "$c" scontrol update nodename="$C_NODE" state=resume >/dev/null 2>&1 || true
				next_resume=$((SECONDS + 3))
			fi
			;;
		esac
		((SECONDS < deadline)) ||
			die "node $C_NODE ($c) not ready after ${LAB_WAIT}s: $(on_cluster "$c" sinfo -h -n "$C_NODE" -o '%T %E' 2>&1)"
		sleep 0.2
	done
}
