package fakeslurm

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// SbatchLogName is the file in $FAKESLURM_DIR that gets one JSON line per
// sbatch call, so tests can assert the exact argv the daemon used.
const SbatchLogName = "sbatch.log"

// SbatchCall is one line of sbatch.log. Argv holds the arguments after the
// program name, exactly as the caller passed them; JobID is empty when no
// job was created; Env holds the caller's variables whose names start with
// a prefix listed in FAKESLURM_RECORD_ENV.
type SbatchCall struct {
	Argv  []string          `json:"argv"`
	Cwd   string            `json:"cwd"`
	JobID string            `json:"job_id"`
	RC    int               `json:"rc"`
	Env   map[string]string `json:"env,omitempty"`
}

// logSbatch appends the call to sbatch.log. O_APPEND writes of one line are
// atomic enough for concurrent callers; a failure to log is reported but
// does not change sbatch's answer.
func (e *env) logSbatch(args []string, jobID string, rc int) {
	call := SbatchCall{Argv: args, Cwd: e.cwd, JobID: jobID, RC: rc, Env: e.recordedEnv()}
	if call.Argv == nil {
		call.Argv = []string{}
	}
	line, err := json.Marshal(call)
	if err == nil {
		err = appendLine(filepath.Join(e.dir, SbatchLogName), line)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "fakeslurm: sbatch: log call: %v\n", err)
	}
}

func appendLine(path string, line []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	_, werr := f.Write(append(line, '\n'))
	cerr := f.Close()
	if werr != nil {
		return werr
	}
	return cerr
}

func (e *env) recordedEnv() map[string]string {
	var prefixes []string
	for _, p := range strings.Split(e.getenv(EnvRecordEnv), ",") {
		if p = strings.TrimSpace(p); p != "" {
			prefixes = append(prefixes, p)
		}
	}
	if len(prefixes) == 0 {
		return nil
	}
	rec := map[string]string{}
	for _, kv := range e.environ {
		name, value, _ := strings.Cut(kv, "=")
		for _, p := range prefixes {
			if strings.HasPrefix(name, p) {
				rec[name] = value
				break
			}
		}
	}
	return rec
}

// ReadSbatchLog returns the calls recorded in dir's sbatch.log, oldest first.
func ReadSbatchLog(dir string) ([]SbatchCall, error) {
	data, err := os.ReadFile(filepath.Join(dir, SbatchLogName))
	if err != nil {
		return nil, fmt.Errorf("read sbatch log: %w", err)
	}
	var calls []SbatchCall
	for n, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		if line == "" {
			continue
		}
		var c SbatchCall
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			return nil, fmt.Errorf("sbatch log line %d: %w", n+1, err)
		}
		calls = append(calls, c)
	}
	return calls, nil
}
