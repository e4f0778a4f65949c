package config

import (
	"fmt"
	"io"
	"os"

	"github.com/nanosupervisord/nanosupervisord/pkg/trainer"
)

// maxScriptBytes bounds how much of a batch script is read for linting;
// sbatch itself refuses scripts over 4 MiB by default.
const maxScriptBytes = 4 << 20

// lintScript reads a run's batch script and records, as warnings located
// in the script (file:line), what would make supervision go wrong although
// sbatch accepts it (trainer.LintScript). A script that cannot be read was
// already reported by checkFiles.
func (p *parser) lintScript(r *Run) {
	data, err := readScript(r.Script)
	if err != nil {
		return
	}
	key := join("runs", r.Name)
	for _, w := range trainer.LintScript(data, trainer.LintInput{Ranks: r.Ranks, ResumeArgs: r.ResumeArgs, SbatchArgs: r.SbatchArgs}) {
		if w.Line == 0 {
			p.warnf(p.runNodes[r.Name].script, key+".sbatch_args", "%s", w.Message)
			continue
		}
		p.scriptWarnings = append(p.scriptWarnings, Problem{File: r.Script, Line: w.Line, Key: key, Message: w.Message})
	}
}

// readScript reads a batch script, refusing anything but a regular file
// and anything larger than maxScriptBytes.
func readScript(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	return io.ReadAll(io.LimitReader(f, maxScriptBytes))
}
