// Package config reads and validates the nanosupervisord configuration file.
//
// The file is YAML with a fixed set of keys (see config.example.yaml at the
// repository root). Decoding is strict: the yaml.Node tree is walked by hand
// so that every unknown key, wrong type and impossible value is reported at
// once, each as a Problem carrying the file, line and column it came from.
// A configuration is either entirely valid or rejected; there is no partial
// result, so a bad edit can never replace a good configuration.
//
// Parse and ParseWithEnv are pure: they read neither files nor the process
// environment beyond what they are given, which keeps them testable and
// fuzzable. Load adds what only the filesystem can tell (the script exists,
// the workdir is a directory).
//
// This package must never log, start jobs, touch checkpoints or write files;
// it returns values and errors for the supervisor to act on.
package config
