# shellcheck shell=bash
# shellcheck disable=SC2034 # variables used by the scripts that source this
# The configuration files up.sh writes, rendered from the knobs and the host.
# Sourced by up.sh. Each render_* function prints a whole file to stdout, so
# that up.sh can compare it with what is on disk and restart only the daemons
# whose file changed.
#
# Uses: HOST (short host name), ADDR (the IPv4 address HOST resolves to, on
# 127/8), DB_PASS, and the LAB_* knobs.

MARIADB_CNF=/etc/mysql/mariadb.conf.d/99-slurm-local.cnf
SLURMDBD_CONF=/etc/slurm/slurmdbd.conf
DB_NAME=slurm_acct_db
DB_USER=slurm

render_mariadb_cnf() {
	cat <<EOF
# Written by deploy/slurm-local/up.sh. slurmdbd talks to MariaDB over the unix
# socket; no TCP listener at all. up.sh also passes --skip-networking on the
# command line, so a broken include chain cannot open port 3306.
[mysqld]
skip-networking
bind-address = 127.0.0.1
# slurmdbd warns below 512M and wants long lock waits for its rollups.
innodb_buffer_pool_size = ${LAB_DB_BUFFER_POOL}
innodb_lock_wait_timeout = 900
log_error = /var/log/mysql/error.log
EOF
}

render_slurmdbd_conf() {
	cat <<EOF
# Written by deploy/slurm-local/up.sh; StoragePass is generated once and kept.
DbdHost=localhost
DbdAddr=${ADDR}
DbdPort=6819
# slurmdbd reads this flag from here, not from slurm.conf; without it, it
# listens on 0.0.0.0.
CommunicationParameters=NoInAddrAny
SlurmUser=slurm
PidFile=${SLURM_RUN_DIR}/slurmdbd.pid
LogFile=${SLURM_LOG_DIR}/slurmdbd.log
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageUser=${DB_USER}
StoragePass=${DB_PASS}
StorageLoc=${DB_NAME}
EOF
}

# node_line prints the NodeName line: all CPUs as cores of one socket, and 90%
# of the memory so that slurmd's own report never falls below it.
node_line() {
	local cpus mem_mb node=$1
	cpus=$(nproc)
	mem_mb=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)
	echo "NodeName=${node} NodeAddr=${ADDR} NodeHostname=${HOST} CPUs=${cpus} Boards=1" \
		"SocketsPerBoard=1 CoresPerSocket=${cpus} ThreadsPerCore=1 RealMemory=${mem_mb} State=UNKNOWN"
}

# cluster_paths CLUSTER sets C_NODE, C_PORT, C_STATE, C_SPOOL, C_RUN and C_LOG:
# the first cluster keeps the plain names, every other one gets its own.
cluster_paths() {
	local c=$1
	C_PORT=${CLUSTER_CTLD_PORT[$c]}
	if [[ $c == "$LAB_CLUSTER" ]]; then
		C_NODE=$HOST C_STATE=/var/lib/slurm/slurmctld C_SPOOL=/var/lib/slurm/slurmd
		C_RUN=$SLURM_RUN_DIR C_LOG=$SLURM_LOG_DIR
	else
		C_NODE=$HOST-$c C_STATE=/var/lib/slurm/$c/slurmctld C_SPOOL=/var/lib/slurm/$c/slurmd
		C_RUN=$SLURM_RUN_DIR/$c C_LOG=$SLURM_LOG_DIR/$c
	fi
}

# render_slurm_conf CLUSTER prints CLUSTER's slurm.conf.
render_slurm_conf() {
	local proctrack=proctrack/linuxproc task=task/none
	if [[ $LAB_CGROUP == 1 ]]; then
		proctrack=proctrack/cgroup
		task=task/cgroup
	fi
	cluster_paths "$1"
	cat <<EOF
# Written by deploy/slurm-local/up.sh: a one-node cluster bound to loopback.
ClusterName=${1}
SlurmctldHost=${HOST}(${ADDR})
# NoCtldInAddrAny is the flag slurmctld itself checks in 22.05; both make the
# daemons bind the address the host name resolves to instead of 0.0.0.0.
CommunicationParameters=NoInAddrAny,NoCtldInAddrAny
AuthType=auth/munge
CredType=cred/munge
SlurmUser=slurm
SlurmdUser=root
SlurmctldPort=${C_PORT}
SlurmdPort=$((C_PORT + 1))
StateSaveLocation=${C_STATE}
SlurmdSpoolDir=${C_SPOOL}
SlurmctldPidFile=${C_RUN}/slurmctld.pid
SlurmdPidFile=${C_RUN}/slurmd.pid
SlurmctldLogFile=${C_LOG}/slurmctld.log
SlurmdLogFile=${C_LOG}/slurmd.log
MpiDefault=none
MailProg=/bin/true
# Contain gives every job the .extern step that production clusters show.
PrologFlags=Contain
ProctrackType=${proctrack}
TaskPlugin=${task}
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1024
# Finished jobs leave squeue after MinJobAge (plus up to a minute's purge
# cycle); SIGKILL follows SIGTERM after KillWait. Short values keep tests fast.
MinJobAge=${LAB_MINJOBAGE}
KillWait=${LAB_KILLWAIT}
OverTimeLimit=0
InactiveLimit=0
Waittime=0
JobRequeue=1
PreemptType=preempt/partition_prio
PreemptMode=REQUEUE
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=${ADDR}
AccountingStoragePort=6819
AccountingStorageEnforce=associations
# Without this, sacct's Comment column stays empty; jobs are tagged with --comment.
AccountingStoreFlags=job_comment
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=task=5
JobCompType=jobcomp/none
$(node_line "$C_NODE")
PartitionName=debug Nodes=${C_NODE} Default=YES MaxTime=INFINITE State=UP PriorityTier=1
# cancelme and urgent exist to produce PREEMPTED on demand: a job in urgent
# cancels a job in cancelme that holds the CPUs it needs.
PartitionName=cancelme Nodes=${C_NODE} Default=NO MaxTime=INFINITE State=UP PriorityTier=1 PreemptMode=CANCEL
PartitionName=urgent Nodes=${C_NODE} Default=NO MaxTime=INFINITE State=UP PriorityTier=10 PreemptMode=OFF
EOF
}

# slurm_major prints the installed Slurm's major version (22 for 22.05).
slurm_major() {
	local v
	v=$(slurmd -V 2>/dev/null) || v=""
	v=${v##* }
	echo "${v%%.*}"
}

# cgroup_conf_needed: LAB_CGROUP=1 needs cgroup.conf; so does Slurm 24.11
# without it, because its slurmd initialises the cgroup plugin whatever the
# proctrack and task plugins are, and fails where /sys/fs/cgroup is not
# mounted (the namespaces of deploy/slurm24) unless told it is disabled.
cgroup_conf_needed() {
	[[ $LAB_CGROUP == 1 ]] || (($(slurm_major) >= 24))
}

# With LAB_CGROUP=1 (proctrack/cgroup, task/cgroup): cgroup v1, so that a job
# over its --mem ends as OUT_OF_MEMORY. Otherwise (Slurm 24 and later only):
# no cgroups at all.
render_cgroup_conf() {
	if [[ $LAB_CGROUP != 1 ]]; then
		printf '# Written by deploy/slurm-local/up.sh: no cgroups (LAB_CGROUP=0).\nCgroupPlugin=disabled\n'
		return
	fi
	cat <<EOF
# Written by deploy/slurm-local/up.sh (used when LAB_CGROUP=1).
CgroupPlugin=cgroup/v1
ConstrainCores=no
ConstrainRAMSpace=yes
ConstrainSwapSpace=no
EOF
}

# write_if_changed FILE MODE OWNER: install stdin as FILE unless FILE already
# has exactly that content; returns 0 if it wrote, 1 if nothing changed. The
# new file is renamed into place so that no daemon ever reads half of it. The
# unchanged case (every rerun) costs one fork.
write_if_changed() {
	local file=$1 mode=$2 owner=$3 new="" old="" tmp
	IFS= read -r -d '' new || true
	if [[ -f $file ]]; then
		IFS= read -r -d '' old <"$file" || true
		if [[ $new == "$old" ]]; then
			# Same content; still repair mode and owner, which need no restart.
			if [[ $(stat -c '%a %U:%G' "$file") != "$mode $owner" ]]; then
				chmod "$mode" "$file"
				chown "$owner" "$file"
			fi
			return 1
		fi
	fi
	tmp=$(mktemp "${file%/*}/.${file##*/}.XXXXXX")
	printf '%s' "$new" >"$tmp"
	chmod "$mode" "$tmp"
	chown "$owner" "$tmp"
	mv -f "$tmp" "$file"
	return 0
}

# existing_db_pass prints the StoragePass of an existing slurmdbd.conf, so
# that reruns keep the password MariaDB already has.
existing_db_pass() {
	[[ -r $SLURMDBD_CONF ]] || return 0
	sed -n 's/^StoragePass=//p' "$SLURMDBD_CONF" | head -n 1
}

new_db_pass() {
	# 24 alphanumerics: nothing for the SQL quoting or the conf parser to trip on.
	tr -dc 'A-Za-z0-9' </dev/urandom | head -c 24 || true
}
