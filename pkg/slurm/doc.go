// Package slurm is the only code in nanosupervisord that runs Slurm
// programs (sacct, squeue, sbatch, scancel).
//
// Almost everything is pure and testable without a cluster:
//
//   - argument builders (SacctArgs, SacctWindowArgs, SqueueArgs, SbatchArgs)
//     that always bound what Slurm is asked for: sacct always gets
//     --parsable2 --noheader -X and either -j or an explicit -S/-E window,
//     because a bare sacct silently starts its window at local midnight;
//   - parsers (ParseSacct, ParseSqueue, ParseSbatchJob, ParseState,
//     ParseExitCode, ParseTime, ParseDuration), golden-tested on output
//     captured from a real Slurm and fuzzed. Fields are separated by
//     Delimiter, not '|', because names, directories and comments are the
//     user's free text; a row that still cannot be read is skipped and
//     reported on its own (SkippedRowsError);
//   - error classification (Rejection, SubmitMayHaveCreatedJob) that keeps
//     the command, its arguments, exit code and stderr as evidence and
//     decides in one table what Slurm's messages mean;
//   - ExecRunner, the one real Runner: a timeout and a cap on stdout, and
//     the whole process group killed when either is exceeded; a Client ties
//     runner, arguments and parsers together, one cluster per call (-M,
//     see JobRef: job ids of different clusters overlap);
//   - the environment: sbatch run inside a Slurm job without the inherited
//     SLURM_*/SBATCH_* variables (JobEnv), and Locate, which finds the
//     programs without running them.
//
// Times printed by sacct and squeue carry no zone; they are read in the
// local zone of this process, which is also the zone Slurm's commands use
// when they run as our children.
//
// This package must never log, never retry on its own (retrying is the
// caller's decision), never run a Slurm program other than through a
// Runner, and never panic on anything Slurm prints.
package slurm
