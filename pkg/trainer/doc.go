// Package trainer knows what a nanochat training run is: the lines its
// training log prints (validation bpb, CORE metric, step progress, resume
// and end-of-run markers), the failure evidence a crashed or killed job
// leaves in that log, where Slurm writes the log and the error stream (as
// sbatch resolves -o/-e from its command line, environment and #SBATCH
// lines), the job name and time limit a batch script asks for, what in a
// script would defeat supervision (LintScript), the targets that end a
// run, and the arguments that resume it from a checkpoint step.
//
// Everything here is a pure function of bytes, strings and numbers handed
// in by the caller. The package must never run Slurm commands, never log,
// never look at the clock and never touch checkpoint files: the supervisor
// observes the world and this package only interprets what it observed.
// Bad input (garbage logs, broken scripts, absurd numbers) yields values
// and errors that say where the problem is, never a panic.
package trainer
