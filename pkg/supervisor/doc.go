// Package supervisor is the reconcile loop of nanosupervisord.
//
// Every pass observes Slurm (one sacct call for all runs), the checkpoint
// directories and the training logs, asks the pure Decide function what to do
// for each run, applies the resulting Plan (sbatch, adoption, stopping) and
// records every decision in the ledger before and after acting.
//
// Decide never performs I/O, never reads the clock and never draws random
// numbers: everything it needs arrives in Input. Only Apply talks to Slurm,
// and only through pkg/slurm. A run's trouble, even a panic, stays in that
// run: the other runs carry on.
//
// The restart policy (failure classes, budgets, backoff, crash loop,
// poisoned checkpoints) is in policy.go; a run's pace (save interval,
// restart overhead), measured from its one record of saves, in cadence.go.
// The single-daemon lease (pkg/lease) and notifications (pkg/notify) are
// packages of their own, wired in cmd/nanosupervisord.
//
// This package must never submit a job for a run that already has a live
// job, and never submit without first writing the intent to the ledger.
package supervisor
