// Package goodput accounts for what a run's Slurm jobs cost and what they
// bought: hours allocated, training steps banked in complete checkpoints,
// steps trained and then lost because no checkpoint followed, and the time
// spent waiting in the queue, restarting and reacting between jobs. It
// also measures the trainer's step time and checkpoint interval
// (SaveInterval, the one measurement the supervisor's stall alarm,
// time_limit: fit and advice all use) and advises a --save-every that
// makes a TIMEOUT lose little.
//
// Everything here is a pure function of values handed in by the caller
// (sacct fields, training log bytes, checkpoint times). The package must
// never run Slurm commands, never read files by path, never look at the
// clock and never log.
package goodput
