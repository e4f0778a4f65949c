#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Bring up (or check) one-node Slurm clusters with accounting on this host:
# munged, MariaDB, slurmdbd, and a slurmctld and a slurmd per cluster of
# LAB_CLUSTERS (default lab,snowy: a second cluster reached with -M, as on
# UPPMAX), all on loopback, started without systemd and tracked by PID files.
# Installs Debian's packages if they are missing. Safe to rerun: when
# everything is up it changes nothing.
#
#   sudo deploy/slurm-local/up.sh           # bring up, or repair, the cluster
#   deploy/slurm-local/up.sh --check        # same as status.sh: exit 0 if up
#
# Knobs (environment) are listed in README.md beside this file.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LOG_TAG=slurm-up
# shellcheck source=lib.sh
source "$HERE/lib.sh"
# shellcheck source=conf.sh
source "$HERE/conf.sh"
# shellcheck source=daemons.sh
source "$HERE/daemons.sh"

LAB_ACCOUNT=${LAB_ACCOUNT:-lab}
LAB_USERS=${LAB_USERS:-}
LAB_MINJOBAGE=${LAB_MINJOBAGE:-10}
LAB_KILLWAIT=${LAB_KILLWAIT:-5}
LAB_CGROUP=${LAB_CGROUP:-0}
LAB_WAIT=${LAB_WAIT:-60}
LAB_MAP_HOSTNAME=${LAB_MAP_HOSTNAME:-0}
LAB_DB_BUFFER_POOL=${LAB_DB_BUFFER_POOL:-512M}

POLICY_RC=/usr/sbin/policy-rc.d
POLICY_RC_OURS=0
APT_LOG=/var/log/slurm-local-apt.log

check_knobs() {
	local c
	((${#CLUSTERS[@]} >= 1 && ${#CLUSTERS[@]} <= 5)) || die "LAB_CLUSTERS=$LAB_CLUSTERS: want one to five names"
	for c in "${CLUSTERS[@]}"; do
		[[ $c =~ ^[a-z0-9_-]+$ ]] || die "LAB_CLUSTERS=$LAB_CLUSTERS: use lower-case letters, digits, _ and -"
	done
	[[ $(printf '%s\n' "${CLUSTERS[@]}" | sort -u | wc -l) == "${#CLUSTERS[@]}" ]] ||
		die "LAB_CLUSTERS=$LAB_CLUSTERS: a name is repeated"
	[[ $LAB_ACCOUNT =~ ^[a-z0-9_-]+$ ]] || die "LAB_ACCOUNT=$LAB_ACCOUNT: use lower-case letters, digits, _ and -"
	local k
	for k in LAB_MINJOBAGE LAB_KILLWAIT LAB_WAIT; do
		[[ ${!k} =~ ^[0-9]+$ ]] || die "$k=${!k}: want a whole number of seconds"
	done
	[[ $LAB_CGROUP == [01] ]] || die "LAB_CGROUP=$LAB_CGROUP: want 0 or 1"
	[[ $LAB_MAP_HOSTNAME == [01] ]] || die "LAB_MAP_HOSTNAME=$LAB_MAP_HOSTNAME: want 0 or 1"
}

# check_host sets HOST and ADDR. Every daemon binds the address the host name
# resolves to (NoInAddrAny), so that address must be on loopback. A host whose
# name resolves elsewhere is refused, unless LAB_MAP_HOSTNAME=1 allows adding
# "127.0.1.1 HOST" (Debian's usual layout) at the top of /etc/hosts.
check_host() {
	HOST=$(node_name)
	ADDR=$(host_ipv4 "$HOST")
	if [[ $ADDR == 127.* ]]; then
		return
	fi
	if [[ $LAB_MAP_HOSTNAME != 1 ]]; then
		die "host name $HOST resolves to '${ADDR:-nothing}', not a 127.x address; the daemons would" \
			"listen there. Map it to loopback in /etc/hosts, or rerun with LAB_MAP_HOSTNAME=1 to let this script do it."
	fi
	log "mapping $HOST to 127.0.1.1 at the top of /etc/hosts (LAB_MAP_HOSTNAME=1)"
	# Rewritten in place, not renamed: /etc/hosts is often a bind mount.
	local hosts
	hosts=$(cat /etc/hosts)
	printf '127.0.1.1\t%s\t# added by deploy/slurm-local/up.sh\n%s\n' "$HOST" "$hosts" >/etc/hosts
	ADDR=$(host_ipv4 "$HOST")
	[[ $ADDR == 127.* ]] || die "host name $HOST still resolves to '${ADDR:-nothing}' after mapping it"
}

remove_policy_rc() {
	if [[ $POLICY_RC_OURS == 1 ]]; then
		rm -f "$POLICY_RC"
		POLICY_RC_OURS=0
	fi
}

packages_missing() {
	local installed p
	# One dpkg-query for all: unknown packages go to stderr and are missing.
	installed=$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${PACKAGES[@]}" 2>/dev/null || true)
	for p in "${PACKAGES[@]}"; do
		grep -qx "$p installed" <<<"$installed" || echo "$p"
	done
	command -v ss >/dev/null || echo iproute2
	return 0
}

install_packages() {
	local missing
	mapfile -t missing < <(packages_missing)
	if ((${#missing[@]} == 0)); then
		log "packages already installed"
		return
	fi
	log "installing ${missing[*]} (apt output: $APT_LOG)"
	# Package scripts must not start services: this script starts them itself,
	# with its own settings. Only add a policy if the host has none, and take it
	# away again whatever happens.
	if [[ ! -e $POLICY_RC ]]; then
		printf '#!/bin/sh\n# temporary, from deploy/slurm-local/up.sh\nexit 101\n' >"$POLICY_RC"
		chmod 755 "$POLICY_RC"
		POLICY_RC_OURS=1
	fi
	export DEBIAN_FRONTEND=noninteractive
	local apt=(apt-get -q -y -o DPkg::Lock::Timeout=600) updated=0
	if ! apt-cache show --no-all-versions "${missing[@]}" >>"$APT_LOG" 2>&1; then
		log "package lists lack some of them; apt-get update"
		"${apt[@]}" update >>"$APT_LOG" 2>&1 || die "apt-get update failed; see $APT_LOG"
		updated=1
	fi
	if ! "${apt[@]}" install --no-install-recommends "${missing[@]}" >>"$APT_LOG" 2>&1; then
		((updated == 0)) || die "apt-get install failed; see $APT_LOG"
		# Stale lists give 404s on download; one update and a retry fixes that.
		log "install failed; apt-get update and retry"
		"${apt[@]}" update >>"$APT_LOG" 2>&1 || die "apt-get update failed; see $APT_LOG"
		"${apt[@]}" install --no-install-recommends "${missing[@]}" >>"$APT_LOG" 2>&1 ||
			die "apt-get install failed; see $APT_LOG"
	fi
	remove_policy_rc
	resolve_exes
	log "packages installed"
}

make_dirs() {
	install -d -o slurm -g slurm -m 755 "$SLURM_RUN_DIR" "$SLURM_LOG_DIR" /var/lib/slurm /var/lib/slurm/slurmctld
	install -d -o root -g root -m 755 /var/lib/slurm/slurmd
	install -d -o munge -g munge -m 755 /run/munge
	install -d -o mysql -g mysql -m 755 /run/mysqld
	[[ -d /var/log/mysql ]] || install -d -o mysql -g adm -m 2750 /var/log/mysql
	local c
	for c in "${CLUSTERS[@]:1}"; do
		install -d -o slurm -g slurm -m 755 "$SLURM_RUN_DIR/$c" "$SLURM_LOG_DIR/$c" /var/lib/slurm/$c \
			/var/lib/slurm/$c/slurmctld
		install -d -o root -g root -m 755 /var/lib/slurm/$c/slurmd "${CLUSTER_CONF_DIR[$c]}"
	done
	if [[ ! -s /etc/munge/munge.key ]]; then
		log "creating /etc/munge/munge.key"
		install -d -o munge -g munge -m 700 /etc/munge
		(umask 077 && head -c 1024 /dev/urandom >/etc/munge/munge.key)
		chown munge:munge /etc/munge/munge.key
		chmod 400 /etc/munge/munge.key
	fi
}

# write_configs sets MARIADB_CHANGED, DBD_CHANGED and SLURM_CHANGED[CLUSTER]
# to 1 for each file whose content changed, so that only the daemons reading it
# restart.
write_configs() {
	local c dir
	DB_PASS=$(existing_db_pass)
	[[ -n $DB_PASS ]] || DB_PASS=$(new_db_pass)
	MARIADB_CHANGED=0 DBD_CHANGED=0
	declare -gA SLURM_CHANGED=()
	if render_mariadb_cnf | write_if_changed "$MARIADB_CNF" 644 root:root; then
		MARIADB_CHANGED=1
		log "wrote $MARIADB_CNF"
	fi
	if render_slurmdbd_conf | write_if_changed "$SLURMDBD_CONF" 600 slurm:slurm; then
		DBD_CHANGED=1
		log "wrote $SLURMDBD_CONF"
	fi
	for c in "${CLUSTERS[@]}"; do
		dir=${CLUSTER_CONF_DIR[$c]}
		SLURM_CHANGED[$c]=0
		if render_slurm_conf "$c" | write_if_changed "$dir/slurm.conf" 644 root:root; then
			SLURM_CHANGED[$c]=1
			log "wrote $dir/slurm.conf"
		fi
		if cgroup_conf_needed && render_cgroup_conf | write_if_changed "$dir/cgroup.conf" 644 root:root; then
			SLURM_CHANGED[$c]=1
			log "wrote $dir/cgroup.conf"
		fi
	done
}

# lab_users prints root, the sudo caller and LAB_USERS (comma or space
# separated), once each, separated by spaces.
lab_users() {
	local -A known=()
	local user list=()
	for user in root "${SUDO_USER:-}" ${LAB_USERS//,/ }; do
		[[ -n $user && -z ${known[$user]:-} ]] || continue
		known[$user]=1
		list+=("$user")
	done
	echo "${list[*]}"
}

audit_listeners() {
	local name pid addr proc bad=() seen=()
	local -A owner=()
	for name in "${DAEMONS[@]}"; do
		daemon_pid "$name" || die "$name died during start-up"
		owner[$DAEMON_PID]=$name
	done
	while read -r _ _ _ _ addr _ proc; do
		for pid in "${!owner[@]}"; do
			[[ $proc == *"pid=$pid,"* ]] || continue
			seen+=("$addr")
			[[ $addr == 127.* || $addr == '[::1]:'* ]] || bad+=("${owner[$pid]} on $addr")
		done
	done < <(ss -H -tulnp)
	((${#bad[@]} == 0)) || die "listening beyond loopback: ${bad[*]}"
	log "listeners: $(printf '%s\n' "${seen[@]}" | sort -u | tr '\n' ' ')"
}

main() {
	local c
	case ${1:-} in
	--check) shift && exec "$HERE/status.sh" "$@" ;;
	-h | --help) sed -n '3,10s/^# \{0,1\}//p' "$0" && exit 0 ;;
	"") ;;
	*) die "unknown argument $1 (try --help)" ;;
	esac
	[[ $EUID -eq 0 ]] || die "run as root: sudo $0"
	take_lock
	trap remove_policy_rc EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	check_knobs
	check_host
	install_packages
	make_dirs
	write_configs
	ensure_munge
	ensure_mariadb
	ensure_database
	ensure_slurmdbd
	ensure_associations
	for c in "${CLUSTERS[@]}"; do
		ensure_slurmctld "$c"
		ensure_slurmd "$c"
	done
	for c in "${CLUSTERS[@]}"; do
		wait_node_ready "$c"
	done
	wait_for "$LAB_WAIT" timeout 10 sacct -n -X -S now-1minutes ||
		die "sacct does not answer after ${LAB_WAIT}s; see $SLURM_LOG_DIR/slurmdbd.log"
	audit_listeners
	for c in "${CLUSTERS[@]}"; do
		log "cluster $c up: $(sinfo -h -M "$c" -o '%P %a %D %T %N' | grep -v '^CLUSTER' | tr '\n' ';')"
	done
	log "done in $((SECONDS - LOG_T0))s"
}

# Sourcing (for tests of single steps) defines the functions without running.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	main "$@"
fi
