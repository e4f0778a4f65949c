#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Bring up (or check) a second one-node Slurm cluster, Slurm 24.11 from
# Debian 13 (trixie), beside the host's own: a debootstrapped root with
# munge, MariaDB and Slurm inside, run in its own network, mount and PID
# namespaces (loopback only), so its ports, PID files and state never meet
# the host's cluster. The daemons are started by deploy/slurm-local's
# up.sh, run unchanged inside the root. Safe to rerun: what is there and
# running is left alone.
#
#   sudo deploy/slurm24/up.sh            # build the root if needed, start what is not running
#   deploy/slurm24/exec.sh sinfo         # run a command against it (root)
#
# Knobs (environment) are listed in README.md beside this file.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LOG_TAG=slurm24-up
# shellcheck source=lib.sh
source "$HERE/lib.sh"

take_root_lock() {
	install -d -m 700 "$NSV_SLURM24_DIR"
	exec 8>>"$NSV_SLURM24_DIR/lock"
	flock -w 900 8 || die "another slurm24 up.sh or down.sh holds $NSV_SLURM24_DIR/lock"
}

# make_root debootstraps the root once, into a scratch directory that is
# renamed only when complete, so an interrupted run starts over cleanly.
make_root() {
	if [[ -x $ROOT/usr/bin/apt-get && -e $ROOT/etc/debian_version ]]; then
		log "root $ROOT present (Debian $(<"$ROOT/etc/debian_version"))"
		return
	fi
	command -v debootstrap >/dev/null || die "debootstrap is not installed (apt-get install debootstrap)"
	local tmp=$NSV_SLURM24_DIR/root.partial
	rm -rf --one-file-system "$tmp"
	log "debootstrap $NSV_SLURM24_SUITE into $ROOT (log: $NSV_SLURM24_DIR/debootstrap.log)"
	debootstrap --variant=minbase "$NSV_SLURM24_SUITE" "$tmp" "$NSV_SLURM24_MIRROR" \
		>"$NSV_SLURM24_DIR/debootstrap.log" 2>&1 || die "debootstrap failed; see $NSV_SLURM24_DIR/debootstrap.log"
	mv "$tmp" "$ROOT"
	log "root made"
}

# prepare_root writes what the root needs besides packages: no service may
# start from a package script (policy-rc.d, kept for good), and the host
# name must resolve to loopback inside: to 127.0.0.1, because slurmdbd records
# a cluster's controller as 127.0.0.1 and sbatch -M connects there.
prepare_root() {
	if [[ ! -e $ROOT/usr/sbin/policy-rc.d ]]; then
		printf '#!/bin/sh\n# deploy/slurm24: daemons are started by up.sh, never by packages\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
		chmod 755 "$ROOT/usr/sbin/policy-rc.d"
	fi
	local host want
	host=$(node_name)
	want=$(printf '127.0.0.1\tlocalhost %s\n' "$host")
	[[ -e $ROOT/etc/hosts && $(<"$ROOT/etc/hosts") == "$want" ]] || printf '%s\n' "$want" >"$ROOT/etc/hosts"
	cp -f /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true
}

# install_packages downloads with the host's network, then installs with
# none (a private network namespace), so that no package script can reach
# or listen on the host's network.
install_packages() {
	local want=("${PACKAGES[@]}" iproute2 procps) installed missing=() p
	installed=$(chroot "$ROOT" dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${want[@]}" 2>/dev/null || true)
	for p in "${want[@]}"; do
		grep -qx "$p installed" <<<"$installed" || missing+=("$p")
	done
	if ((${#missing[@]} == 0)); then
		log "packages already installed ($(chroot "$ROOT" dpkg-query -W -f='${Version}' slurmctld))"
		return
	fi
	local apt=(env DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=600 --no-install-recommends)
	local aptlog=$NSV_SLURM24_DIR/apt.log
	log "installing ${missing[*]} (apt output: $aptlog)"
	chroot "$ROOT" "${apt[@]}" update >>"$aptlog" 2>&1 || die "apt-get update in the root failed; see $aptlog"
	chroot "$ROOT" "${apt[@]}" install --download-only "${missing[@]}" >>"$aptlog" 2>&1 ||
		die "downloading packages failed; see $aptlog"
	unshare --net --mount --fork -- sh -c 'mount -t proc proc "$1/proc" && shift && exec chroot "$@"' sh \
		"$ROOT" "$ROOT" "${apt[@]}" install "${missing[@]}" >>"$aptlog" 2>&1 ||
		die "installing packages failed; see $aptlog"
	log "packages installed ($(chroot "$ROOT" dpkg-query -W -f='${Version}' slurmctld))"
}

# copy_scripts puts deploy/slurm-local into the root, replacing an older copy.
copy_scripts() {
	local dst=$ROOT$LOCAL_IN_ROOT
	if diff -rq "$HERE/../slurm-local" "$dst" >/dev/null 2>&1; then
		return
	fi
	rm -rf "$dst"
	install -d "${dst%/*}"
	cp -a "$HERE/../slurm-local" "$dst"
	log "copied deploy/slurm-local into the root"
}

ensure_holder() {
	if holder_pid; then
		return
	fi
	local shares=() dir upid child
	for dir in ${NSV_SLURM24_SHARE//,/ }; do
		[[ $dir == /* && -d $dir ]] || die "NSV_SLURM24_SHARE: $dir is not an absolute directory"
		shares+=("$dir")
	done
	setsid unshare --net --mount --pid --fork --propagation private -- \
		"$HERE/holder.sh" "$ROOT" "${shares[@]}" </dev/null >>"$HOLDER_LOG" 2>&1 8>&- &
	upid=$!
	# (fd 8, the lock, is not inherited: the holder would hold it for good.)
	# The holder is unshare's child: the first process of the new PID
	# namespace, and the one whose namespaces nsenter joins.
	for _ in $(seq 100); do
		child=$(cat "/proc/$upid/task/$upid/children" 2>/dev/null || true)
		child=${child%% *}
		if [[ -n $child && /proc/$child/root -ef $ROOT ]]; then
			echo "$child" >"$HOLDER_PIDFILE"
			holder_pid && break
		fi
		kill -0 "$upid" 2>/dev/null || die "the holder exited at once; see $HOLDER_LOG"
		sleep 0.1
	done
	holder_pid || die "the holder did not enter the root within 10s; see $HOLDER_LOG"
	log "namespaces up (holder pid $HOLDER; shared: ${shares[*]:-none})"
}

main() {
	case ${1:-} in
	-h | --help) sed -n '3,13s/^# \{0,1\}//p' "$0" && exit 0 ;;
	"") ;;
	*) die "unknown argument $1 (try --help)" ;;
	esac
	[[ $EUID -eq 0 ]] || die "run as root: sudo $0"
	take_root_lock
	make_root
	prepare_root
	install_packages
	copy_scripts
	ensure_holder
	# The root's cluster has only root as a user; the host's SUDO_USER
	# may not exist inside.
	# Without fd 8 (the lock): the daemons it starts would keep it open.
	in_root env -u SUDO_USER LOG_TAG=slurm24-up "$LOCAL_IN_ROOT/up.sh" 8>&-
	log "done in $((SECONDS - LOG_T0))s"
}

main "$@"
