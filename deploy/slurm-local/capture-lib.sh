# shellcheck shell=bash
# shellcheck disable=SC2034 # variables used by the scripts that source this
# What capture-testdata.sh and capture-clusters.sh share: where captures go,
# the formats the daemon asks for, a scratch directory with exit.sh in it,
# and saving output with the scratch directory's path made public. Sourced
# after lib.sh; capture_begin OUTDIR sets OUT and WD and enters WD.

SACCT_FORMAT=JobID,JobIDRaw,JobName,State,ExitCode,Submit,Start,End,Elapsed,Timelimit,WorkDir,Reason,Comment
US=$'\x1f' # pkg/slurm's Delimiter: no name or path can shift a column
SQUEUE_FORMAT="%i$US%j$US%T$US%r$US%V$US%S$US%l$US%M$US%Z$US%k"
PUBLIC_WD=/home/alice/nanochat

capture_begin() {
	OUT=$(realpath -m "${1:-$HERE/../../pkg/slurm/testdata/real/unitsep}")
	[[ $EUID -eq 0 ]] || die "run as root: sudo $0"
	"$HERE/status.sh" || die "cluster not up; run $HERE/up.sh first"
	mkdir -p "$OUT"
	WD=$(mktemp -d /tmp/slurm-capture.XXXXXX)
	trap 'rm -rf "$WD"' EXIT
	cd "$WD"
	cat >exit.sh <<'EOF'
#!/bin/bash
#SBATCH -J exit-script
# exit.sh CODE SECONDS: sleep, then exit with CODE.
sleep "${2:-1}"
exit "${1:-0}"
EOF
}

# settled ID: the job ended and its row is complete. JobName and WorkDir can
# read "allocation" and "" for a few seconds after the final state is set.
# The script defines sacct_rows ID (on its cluster).
settled() {
	local row
	row=$(sacct_rows "$1" 2>/dev/null | head -n 1)
	[[ $row == *"$US$WD"* ]] || return 1
	case $(cut -d"$US" -f4 <<<"$row") in
	PENDING | RUNNING | REQUEUED | SUSPENDED | "") return 1 ;;
	esac
}

# save NAME.EXT: stdin to OUT/NAME.EXT with the work directory made public
# (also that of an earlier run, whose jobs squeue may still list).
save() {
	sed -E "s#/tmp/slurm-capture\.[A-Za-z0-9]{6}#$PUBLIC_WD#g" >"$OUT/$1"
	log "wrote $1 ($(wc -l <"$OUT/$1") lines)"
	# squeue --me lists every job of root: someone else's would leak their path.
	if grep -q "$US/" "$OUT/$1" && grep "$US/" "$OUT/$1" | grep -qv "$US$PUBLIC_WD"; then
		log "WARNING: $1 lists jobs from another directory; check it before committing"
	fi
}

# stderr_of NAME COMMAND...: save COMMAND's stderr, and note its exit code.
stderr_of() {
	local name=$1 rc=0
	shift
	"$@" >"$WD/stdout" 2>"$WD/stderr" || rc=$?
	save "$name" <"$WD/stderr"
	[[ ! -s $WD/stdout ]] || log "note: $* also printed to stdout: $(head -c 200 "$WD/stdout")"
	log "$name: rc=$rc"
}
