// Package slurm is the only code in nanosupervisord that runs Slurm
// programs (sacct, squeue, sbatch, scancel).
//
// It is split so that almost everything is pure and testable without a
// cluster:
//
//   - argument builders (SacctArgs, SacctWindowArgs, SqueueArgs, SbatchArgs)
//     that always bound what Slurm is asked for: sacct always gets
//     --parsable2 --noheader -X and either -j or an explicit -S/-E window,
//     because a bare sacct silently starts its window at local midnight;
//   - parsers (ParseSacct, ParseSqueue, ParseSbatchJob, ParseState,
//     ParseExitCode, ParseTime, ParseDuration) that are golden-tested on
//     output captured from a real Slurm 22.05 and fuzzed. sacct and squeue
//     are asked to separate fields with Delimiter, not '|', because job
//     names, working directories and comments are the user's free text; a
//     row that still cannot be read is skipped and reported on its own
//     (SkippedRowsError), never taking the other rows with it;
//   - error classification (IsTransient, SubmitMayHaveCreatedJob) that keeps
//     the command, its arguments, exit code and stderr as evidence and
//     decides in one table what Slurm's messages mean;
//   - a Runner interface with one real implementation, ExecRunner, which
//     runs a program with a timeout and a cap on the stdout it reads, and
//     kills its whole process group when either is exceeded, and a Client that ties runner, arguments and
//     parsers together (chunking long job id lists).
//   - several clusters (cluster.go): a job is a JobRef, its id and the
//     cluster sbatch -M sent it to, because ids of different clusters
//     overlap; the ...On methods put -M in front of every command about
//     it, one cluster per call;
//   - the environment (env.go): inside a Slurm job, sbatch can be run
//     without the inherited SLURM_*/SBATCH_* variables (JobEnv), and
//     Locate finds the programs without running them (a missing program
//     is ErrNotFound, a configuration error rather than an outage).
//
// Times printed by sacct and squeue carry no zone; they are read in the
// local zone of this process, which is also the zone Slurm's commands use
// when they run as our children.
//
// This package must never log, never retry on its own (retrying is the
// caller's decision, informed by IsTransient), never run a Slurm program
// other than through a Runner, and never panic on anything Slurm prints.
package slurm
