#!/bin/bash
# Run by up.sh as the first process of new network, mount and PID
# namespaces (unshare --net --mount --pid --fork): mounts what the root
# needs, brings up loopback, then chroots into the root and waits there,
# reaping orphans, until it gets TERM. The namespaces live as long as it
# does; when it exits the kernel kills every process left in them.
#
#   holder.sh ROOT [SHARED_DIR...]
set -euo pipefail
root=$1
shift
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount --rbind /dev "$root/dev"
# A fresh /run, as after a boot: no stale PID files or sockets.
mount -t tmpfs -o mode=755,nosuid,nodev tmpfs "$root/run"
install -d -m 1777 "$root/run/lock"
for dir in "$@"; do
	mkdir -p "$root$dir"
	mount --rbind "$dir" "$root$dir"
done
ip link set lo up
# glibc's getaddrinfo(AI_ADDRCONFIG), as getent ahostsv4 and Slurm use it,
# returns no IPv4 address while the host has none but 127.x. A documentation
# address (TEST-NET-1, RFC 5737) on lo satisfies it; there is no other link,
# so nothing can leave the namespace either way.
ip addr add 192.0.2.24/32 dev lo
# bash as PID 1 reaps every child it is given, daemons' orphans included.
exec chroot "$root" /bin/bash -c 'trap "exit 0" TERM; while :; do sleep 3600 & wait $!; done'
