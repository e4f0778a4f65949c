// Package simtrain is a simulated nanochat base_train: it prints nanochat's
// training log lines and writes checkpoints with nanochat's file names, write
// order and formats, following a deterministic metric curve, so that the
// supervisor can be exercised end to end on a real Slurm cluster without a
// GPU, a dataset or Python.
//
// It exists to be wrong in the same ways nanochat is wrong: checkpoints are
// written in place with no temporary file, no rename and no completion
// marker, so a kill in the middle of a save leaves torn files under their
// final names; resuming from a torn or missing file crashes with a Python-like
// traceback; SIGTERM is not trapped. On request it also crashes, hangs, runs
// out of disk quota or CUDA memory at a chosen step.
//
// It must never make a save look more atomic than nanochat's, never trap
// signals, and never read or write anything outside the checkpoint directory
// and the fault markers it is told about. It is test equipment, not part of
// the supervisor: nothing in pkg/ may import it.
package simtrain
