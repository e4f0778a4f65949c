// Package plot draws a training run's evaluations as a self-contained SVG
// image: val_bpb and CORE against the training step in two stacked panels
// that share the step axis, one colour band per Slurm job over the steps
// that job trained, a vertical line at every resubmission labelled with the
// new job and why the previous one ended, and the targets as dashed lines.
//
// It takes plain data (Data) rather than the supervisor's state, so that it
// can be tested and reused without a daemon; cmd/nanosupervisord converts.
// The output is plain SVG 1.1 with no scripts, fonts or external
// references, so that it renders the same in a browser, an image viewer or
// a README.
//
// This package must never read files, log, or panic on any input: NaN and
// infinite values, duplicate steps, empty series, jobs whose step ranges
// are reversed and text that is not valid XML all still produce a valid
// image.
package plot
