// Package supervisor is the reconcile loop of nanosupervisord: the I/O shell
// around the pure core in pkg/run.
//
// Every pass observes Slurm (one sacct call per cluster for all runs, and
// squeue and a windowed sacct when run.Needs says a run needs them), the
// checkpoint directories and the training logs, asks run.Decide what to do
// for each run, applies the resulting Plan (sbatch, adoption, stopping) and
// records every decision in the ledger before and after acting. sbatch's
// answer, an operator's resume and every other change of a run's state are
// computed by pkg/run (run.AfterSbatch, run.ResumeState); this package only
// stores them (commit, snapshot, journal).
//
// Only Apply talks to Slurm, and only through pkg/slurm. A run's trouble,
// even a panic, stays in that run: the other runs carry on. The
// configuration (config) is turned into a run.RunSpec here (SpecOf).
//
// This package must never submit a job for a run that already has a live
// job, and never submit without first writing the intent to the ledger.
package supervisor
