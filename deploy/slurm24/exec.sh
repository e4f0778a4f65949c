#!/usr/bin/env bash
# Run a command against the Slurm 24.11 cluster: inside its network, mount
# and PID namespaces and its Debian 13 root, in the current directory when
# that is shared with the root (see NSV_SLURM24_SHARE) and in / otherwise.
#
#   deploy/slurm24/exec.sh sacct -X -j 12      # as root
set -euo pipefail
LOG_TAG=slurm24-exec
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
(($# > 0)) || die "usage: $0 COMMAND [ARG...]"
[[ $EUID -eq 0 ]] || die "run as root: entering the namespaces needs it"
enter_command
# exec: whoever started this (a daemon's command timeout) signals nsenter itself.
exec "${ENTER[@]}" "$@"
