package trainer

import (
	"path/filepath"
	"strconv"
)

// Where a stream's file name pattern came from, in the order sbatch
// honours them: the command line beats the environment, which beats the
// script's own #SBATCH lines.
const (
	SourceConfig     = "log"         // the run's log key: the user said where
	SourceSbatchArgs = "sbatch_args" // -o/-e among the run's sbatch_args
	SourceEnv        = "env"         // SBATCH_OUTPUT/SBATCH_ERROR in the run's env
	SourceScript     = "script"      // the script's #SBATCH -o/-e
	SourceDefault    = "default"     // Slurm's slurm-%j.out
	SourceOutput     = "output"      // no --error: stderr goes to the output file
)

// StreamPattern is the file name pattern of one stream of a batch job and
// where it came from. Line is the script line for SourceScript, else 0.
type StreamPattern struct {
	Pattern string
	Source  string
	Line    int
}

// LogSources says where a run's jobs write: Log is the training log the
// supervisor reads for metrics, Error the file Slurm sends stderr to (the
// same pattern as Slurm's output file when nothing sets --error), and Chdir
// the job's working directory when sbatch is told one (-D/--chdir),
// against which relative patterns resolve; "" means the submit directory.
type LogSources struct {
	Log   StreamPattern
	Error StreamPattern
	Chdir string
}

// LogSourceInput is what decides where a job writes.
type LogSourceInput struct {
	Script     []byte            // the batch script's bytes
	SbatchArgs []string          // flags before the script on sbatch's command line
	Env        map[string]string // extra environment sbatch runs with
	Log        string            // the run's log key; "" when not set
}

// ResolveLogSources works out, as sbatch would, which files a run's jobs
// write their output and error streams to. Patterns are returned as
// written (ExpandLogPath fills them in per job). Slurm expands no "~" in
// these names: "#SBATCH -o ~/x.out" means the directory "~" under the
// job's working directory, and so it does here.
func ResolveLogSources(in LogSourceInput) LogSources {
	dirs := ScriptDirectiveLines(in.Script)
	out := streamPattern(dirs, in, 'o', "output", "SBATCH_OUTPUT",
		StreamPattern{Pattern: DefaultLogPattern, Source: SourceDefault})
	errs := streamPattern(dirs, in, 'e', "error", "SBATCH_ERROR",
		StreamPattern{Pattern: out.Pattern, Source: SourceOutput})
	src := LogSources{Log: out, Error: errs}
	if in.Log != "" {
		src.Log = StreamPattern{Pattern: in.Log, Source: SourceConfig}
	}
	src.Chdir, _, _ = findOption(dirs, in.SbatchArgs, 'D', "chdir")
	return src
}

// streamPattern finds one stream's pattern where sbatch looks for it, or
// returns otherwise. An empty name sets nothing: Slurm then uses its default.
func streamPattern(dirs []Directive, in LogSourceInput, short byte, long, envName string, otherwise StreamPattern) StreamPattern {
	if v, ok := optionValue(in.SbatchArgs, short, long); ok && v != "" {
		return StreamPattern{Pattern: v, Source: SourceSbatchArgs}
	}
	if v, ok := in.Env[envName]; ok && v != "" {
		return StreamPattern{Pattern: v, Source: SourceEnv}
	}
	if v, line, ok := DirectiveOption(dirs, short, long); ok && v != "" {
		return StreamPattern{Pattern: v, Source: SourceScript, Line: line}
	}
	return otherwise
}

// String describes the pattern and its origin for check-config:
// "~/x-%j.out (script line 3)".
func (p StreamPattern) String() string {
	switch p.Source {
	case SourceScript:
		return p.Pattern + " (#SBATCH line " + strconv.Itoa(p.Line) + ")"
	case SourceOutput:
		return p.Pattern + " (no --error: same file as the output)"
	case SourceDefault:
		return p.Pattern + " (Slurm's default)"
	case "":
		return p.Pattern
	}
	return p.Pattern + " (" + p.Source + ")"
}

// JobDir is the directory relative patterns resolve against: the job's
// --chdir (itself relative to the submit directory) or the submit
// directory.
func (s LogSources) JobDir(submitDir string) string {
	switch {
	case s.Chdir == "":
		return submitDir
	case filepath.IsAbs(s.Chdir) || submitDir == "":
		return s.Chdir
	}
	return filepath.Join(submitDir, s.Chdir)
}

// SameFile reports whether the error stream goes to the log file itself,
// so that reading the log already reads it.
func (s LogSources) SameFile() bool {
	return s.Error.Pattern == s.Log.Pattern
}
