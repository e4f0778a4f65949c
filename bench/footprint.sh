#!/usr/bin/env bash
# Goal 4: footprint of an idle daemon supervising 100 runs (fake Slurm,
# every job RUNNING, default poll 2m): RSS from /proc/PID/status and CPU
# from /proc/PID/stat over FOOTPRINT_SECONDS (the goal's window is 600),
# after the start-up passes. The Slurm programs the daemon starts are
# children: their CPU is reported apart (here it is the fake's, not real
# sacct's). sacct/squeue calls in the window check goal 2 at the real poll.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

n=${FOOTPRINT_RUNS:-100}
seconds=${FOOTPRINT_SECONDS:-600}
py=$(python_bin)
dir=$BENCH_WORK/footprint
out=$BENCH_RESULTS/footprint
rm -rf "$dir" && mkdir -p "$dir" "$out"
export FAKESLURM_DIR=$dir/slurm
mkdir -p "$FAKESLURM_DIR"
fake_slurm_bin "$dir/bin" "$dir/calls.log"
fake_runs "$dir" "$n" 2m

"$py" "$here/notifycount.py" "$dir/notify.sock" "$dir/passes.log" &
counter=$!
sleep 0.3
NOTIFY_SOCKET=$dir/notify.sock "$BENCH_BIN/nanosupervisord" run --config "$dir/config.yaml" --log-format json 2>"$dir/daemon.log" &
daemon=$!
trap 'kill $daemon $counter 2>/dev/null || true' EXIT

# Start-up: the first pass adopts every job, the next records them
# RUNNING; the window starts once both are done.
deadline=$(( $(date +%s) + 300 ))
until (( $(count_in "$dir/daemon.log" '"event":"job_state_changed".*"state":"RUNNING"') >= n )); do
	(( $(date +%s) < deadline )) || die "not every job adopted and RUNNING within 300 s (see $dir/daemon.log)"
	sleep 1
done
sleep 5

# cpu PID: utime+stime and cutime+cstime, in clock ticks.
cpu() { awk '{ sub(/.*\) /, ""); print $12 + $13, $14 + $15 }' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
hz=$(getconf CLK_TCK)
read -r c0 k0 < <(cpu "$daemon")
t0=$(date +%s.%N)
say "footprint: $n runs, poll 2m, sampling for $seconds s"
max_rss=0
for (( i = 0; i < seconds; i += 5 )); do
	sleep 5
	r=$(rss_kb "$daemon")
	echo "$(date +%s) $r" >>"$out/rss.log"
	(( r > max_rss )) && max_rss=$r
done
read -r c1 k1 < <(cpu "$daemon")
t1=$(date +%s.%N)
hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$daemon/status")
rss=$(rss_kb "$daemon")
passes=$(awk -v a="$t0" -v b="$t1" '$1 >= a && $1 < b' "$dir/passes.log" | wc -l)
calls=$(awk -v a="$t0" -v b="$t1" '$1 >= a && $1 < b { n[$2]++ } END { printf "%d sacct, %d squeue", n["sacct"], n["squeue"] }' "$dir/calls.log")
kill "$daemon" && wait "$daemon" || true
kill "$counter" && wait "$counter" 2>/dev/null || true
trap - EXIT

secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", b - a }')
pct=$(awk -v c=$(( c1 - c0 )) -v hz="$hz" -v s="$secs" 'BEGIN { printf "%.3f", c / hz / s * 100 }')
kpct=$(awk -v c=$(( k1 - k0 )) -v hz="$hz" -v s="$secs" 'BEGIN { printf "%.3f", c / hz / s * 100 }')
cpu_s=$(awk -v c=$(( c1 - c0 )) -v hz="$hz" 'BEGIN { printf "%.2f", c / hz }')
{
	echo "window_s $secs passes $passes calls: $calls"
	echo "daemon_cpu_s $cpu_s daemon_cpu_pct $pct children_cpu_pct $kpct"
	echo "rss_kb_end $rss rss_kb_max_sampled $max_rss vmhwm_kb $hwm"
} | tee "$out/footprint.txt" >&2
mb() { awk -v k="$1" 'BEGIN { printf "%.1f MB", k * 1024 / 1e6 }'; }
row "4. Footprint, idle daemon, $n runs, jobs RUNNING, poll 2m: RSS (VmRSS sampled every 5 s for $secs s)" "goal ≤ 30 MB" \
	"max $(mb "$max_rss"); peak since start (VmHWM) $(mb "$hwm")" "$(awk -v k="$hwm" 'BEGIN { printf "%.2f× the goal", k * 1024 / 1e6 / 30 }')"
row "4. Footprint, idle daemon, $n runs, jobs RUNNING, poll 2m: CPU (utime+stime over $secs s)" "goal ≤ 0.1 % of a core" \
	"$pct % ($cpu_s s, $passes passes, $calls); Slurm programs it ran: $kpct %" "$(awk -v p="$pct" 'BEGIN { printf "%.2f× the goal", p / 0.1 }')"
