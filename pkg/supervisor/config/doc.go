// Package config reads and validates the nanosupervisord configuration file.
//
// The file is YAML with a fixed set of keys (see config.example.yaml at the
// repository root). Decoding is strict: the yaml.Node tree is walked by hand
// so that every unknown key, wrong type and impossible value is reported at
// once, each as a Problem carrying the file, line and column it came from.
// A configuration is either entirely valid or rejected; there is no partial
// result, so a bad edit can never replace a good configuration.
//
// ParseWithEnv is pure: it reads no files and sees the environment only
// through the function it is given, which keeps it testable and fuzzable.
// The one exception is a CRON_TZ= prefix in a prune schedule, whose zone the
// cron library loads from the system's time zone database. Load adds what
// only the filesystem can tell: the script exists, the workdir is a
// directory, the state directory can be created, and no two runs' jobs get
// one Slurm job name from their scripts (the daemon refuses to start on any
// of these, so check-config must too).
//
// Paths: ~ and $VARS expand; relative workdir, checkpoint_dir, state_dir
// and bin_dir are relative to the config file's directory; a relative
// script is relative to the workdir. The log pattern is kept as written
// (after expansion) with its %j/%x codes, relative meaning "in the workdir".
//
// This package must never log, start jobs, touch checkpoints or write files;
// it returns values and errors for the supervisor to act on.
package config
