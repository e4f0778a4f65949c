# Shared by the bench/*.sh scripts: sourced, not run.
# Expects BENCH_BIN (built binaries), BENCH_WORK (scratch) and BENCH_RESULTS
# (where rows of the summary table go) from bench/run.sh.

bench_start=${bench_start:-$(date +%s)}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)

say() { printf '[bench +%ss] %s\n' "$(( $(date +%s) - bench_start ))" "$*" >&2; }
die() { say "error: $*"; exit 1; }

# row GOAL BASELINE MEASURED RATIO: one row of the summary table.
row() { printf '%s\t%s\t%s\t%s\n' "$@" >>"$BENCH_RESULTS/table.tsv"; }

# python: the real interpreter behind python3, so that a version manager's
# shim (pyenv's is a bash script) does not slow the Python baseline down.
python_bin() {
	python3 -c 'import sys; print(sys.executable)' 2>/dev/null || die "python3 is needed (the baseline and the statistics)"
}

# wait_for FILE PATTERN SECONDS: until grep -E finds PATTERN in FILE.
wait_for() {
	local file=$1 pattern=$2 deadline=$(( $(date +%s) + $3 ))
	until grep -qE -- "$pattern" "$file" 2>/dev/null; do
		(( $(date +%s) < deadline )) || return 1
		sleep 0.5
	done
}

# skip_unless_slurm SECTION GOAL: ends the section, with a "not measured"
# row for GOAL, when the local Slurm cluster is down.
skip_unless_slurm() {
	"$root/deploy/slurm-local/status.sh" >/dev/null 2>&1 && return 0
	say "$1: the local Slurm cluster is not up (make slurm-up): skipped"
	row "$2" "—" "not measured: cluster down" "—"
	exit 0
}

# count_in FILE PATTERN: how many lines match (0 if none or no file).
count_in() { grep -cE -- "$2" "$1" 2>/dev/null || true; }

# fake_slurm_bin DIR CALLS: a bin dir of sacct/squeue/sbatch/scancel that log
# each call (time and program) to CALLS and run nsv-fakeslurm.
fake_slurm_bin() {
	local dir=$1 calls=$2 p
	mkdir -p "$dir"
	: >"$calls"
	for p in sacct squeue sbatch scancel; do
		cat >"$dir/$p" <<SH
#!/bin/sh
echo "\$(date +%s.%N) $p" >>"$calls"
exec "$BENCH_BIN/nsv-fakeslurm" $p "\$@"
SH
		chmod +x "$dir/$p"
	done
}

# fake_runs DIR N POLL [EXTRA]: N runs r0001… with a RUNNING job each in the
# fake Slurm at $FAKESLURM_DIR, and a config adopting them; EXTRA is
# appended to every run (e.g. "    paused: true").
fake_runs() {
	local dir=$1 n=$2 poll=$3 extra=${4:-} i name id
	mkdir -p "$dir/state"
	{
		echo "poll_interval: $poll"
		echo "state_dir: $dir/state"
		echo "slurm: {bin_dir: $dir/bin}"
		echo "runs:"
	} >"$dir/config.yaml"
	for (( i = 1; i <= n; i++ )); do
		name=$(printf 'r%04d' "$i")
		mkdir -p "$dir/$name/ckpt"
		printf '#!/bin/bash\n#SBATCH -J %s-ckpt\nexec python -m scripts.base_train "$@"\n' "$name" >"$dir/$name/train.sh"
		"$BENCH_BIN/mktree" tree "$dir/$name/ckpt" 2 100 1
		id=$(cd "$dir/$name" && "$BENCH_BIN/nsv-fakeslurm" sbatch --parsable --time=1-00:00:00 train.sh) || die "fake sbatch"
		"$BENCH_BIN/nsv-fakeslurm" run "$id" >/dev/null || die "fake run $id"
		cat >>"$dir/config.yaml" <<YAML
  $name:
    script: $dir/$name/train.sh
    workdir: $dir/$name
    checkpoint_dir: $dir/$name/ckpt
    ranks: 1
    start: adopt
    targets: {val_bpb: 0.75, core_metric: 0.25}
$extra
YAML
	done
	# Checkpoints saved a while ago: settled.
	find "$dir" -path '*/ckpt/*' -exec touch -d '-1 hour' {} +
}
