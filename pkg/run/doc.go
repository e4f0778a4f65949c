// Package run is the pure core of one supervised training run: its state
// (RunState, JobRecord, Phase), and every transition of that state.
//
//   - Decide (decide.go and decide_*.go) turns an Input — Now, the run's
//     spec and policy, what Slurm, the checkpoint directory and the log
//     showed — into a Plan: the next state, the actions, the events.
//     decide_job.go follows and adopts jobs, decide_end.go judges an ended
//     job, decide_hold.go holds on missing or regressed checkpoints,
//     decide_queue.go queues a successor ahead, decide_over.go handles
//     targets and cancellation, fit.go fits the time limit, checkStall
//     (decide_job.go) the stall alarm, whose wait stall.go learns.
//   - The restart policy is in policy.go, in one file: failure classes,
//     budgets, backoff, the crash-loop guard and poisoned checkpoints.
//   - After sbatch (after.go): AfterSbatch folds sbatch's answer into the
//     state, noteRejection stops a run sbatch keeps refusing.
//   - An operator's resume (resume.go): ResumeState.
//   - What a pass must ask Slurm for the run (needs.go): Needs; its test
//     ties it to what Decide reads.
//   - Reasons (reasons.go) and events (events.go) are the constants the
//     logs, status, history and tests share; the submission tag format is
//     makeTag, TagPrefix and PreviewTag (decide.go).
//   - A run's pace (cadence.go), its accounting (accounting.go), the nodes
//     it avoids (badnodes.go), its ETA and next action (eta.go, next.go).
//
// Nothing here performs I/O, reads the clock or draws random numbers:
// time and randomness arrive as data. The package imports only the
// standard library, pkg/slurm, pkg/trainer and pkg/goodput; deps_test.go
// enforces that. The I/O shell that observes, applies and records is
// pkg/supervisor.
package run
