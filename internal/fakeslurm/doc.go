// Package fakeslurm is a stand-in for the Slurm 22.05 client programs
// (sbatch, sacct, squeue, scancel) that the daemon runs, for CLI tests
// (testscript) and crash-torture tests.
//
// Its output is byte-compatible with real Slurm for the exact invocations
// the daemon makes (sacct --parsable2 --noheader -X with SacctFormat and
// any --delimiter, squeue --noheader --me --states=all with SqueueFormat,
// whose fields may be separated by any text, sbatch --parsable),
// so the daemon cannot tell it apart. The formats follow the Slurm sources
// and the measurements in SLURM-FACTS.md: local times as
// 2006-01-02T15:04:05, "Unknown" for an unset sacct Start/End, sacct
// durations as [D-]HH:MM:SS, squeue durations as [D-][H:]M:SS, "N/A" for an
// unset squeue time, "CANCELLED by UID" in sacct but "CANCELLED" in squeue,
// the comment hidden from sacct until the job ended, and "(null)" for an
// unset comment in squeue (glibc printing a NULL string), Partition_Limit
// as the sacct Timelimit of a job without --time that never started, and a
// silent exit 0 from scancel for an id that is unknown or already ended.
// Several clusters: -M/--clusters (or an #SBATCH line) sends a job to
// another cluster; sbatch --parsable then prints "id;cluster", and sacct,
// squeue and scancel see it only when given the same -M (ids stay unique
// across clusters here, unlike on a real site). FAKESLURM_CLUSTERS limits
// the clusters -M may name, with Slurm's own refusal for others.
// testdata/real holds output captured from the project's real cluster that
// the tests replay byte for byte.
//
// The fake keeps its state in a JSON file in $FAKESLURM_DIR, guarded by
// flock and replaced atomically, so any number of concurrent callers (the
// daemon, test scripts, a killed-and-restarted daemon) see one consistent
// cluster. Jobs do not move on their own: they change state when a control
// command says so (nsv-fakeslurm set/run), when a queued outcome script
// advances them on sacct/squeue calls, when scancel cancels them, or, with
// FAKESLURM_EXEC=1, when the real process started for them exits or
// overruns its time limit. A job submitted with --dependency=afterany:N
// pends with reason Dependency until N ends (dependency.go). Faults (errors, hangs, garbage output, a job
// created by a failing sbatch) are injected with nsv-fakeslurm fault.
//
// Entry point: Main, dispatching on the program's base name.
//
// What it must never do: accept an sacct or squeue invocation whose output
// it cannot render exactly as real Slurm would (it refuses other formats
// and options with a clear error, so a drift in the daemon's arguments is
// caught), touch anything outside $FAKESLURM_DIR except the job's own
// working directory and output file in exec mode, or signal any process
// other than the process groups it started itself.
package fakeslurm
