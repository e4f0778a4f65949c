package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// runOptions is the part of a run's configuration a scenario chooses.
type runOptions struct {
	Start      string   // adopt | submit | wait
	SbatchArgs []string // e.g. --time=1
	// Env holds SIMTRAIN_* knobs; "{dir}" in a value is the scenario's
	// directory. NSV_SIMTRAIN and SIMTRAIN_CHECKPOINT_DIR are added.
	Env    map[string]string
	ValBPB float64           // target; 0: none
	Core   float64           // target; 0: none
	Policy map[string]string // policy key -> YAML value
	// RunKeys are further keys of the run (on_stall, time_limit, ...) ->
	// YAML value.
	RunKeys map[string]string
	// SlowSbatch, when set, gives the daemon a slurm.bin_dir of its own
	// whose sbatch is slowed down (slowsbatch_test.go).
	SlowSbatch *slowSbatch
	// QueueAhead sets queue_ahead: true; the script then asks resume-step
	// for its step (NSV_RUN, NSV_CONFIG and NANOSUPERVISORD are added).
	QueueAhead bool
	// Subdir, when set, is the name of the scenario's directory (the
	// run's workdir) inside the test's temporary directory.
	Subdir string
	// Cluster, when set, is the run's cluster key (sbatch -M).
	Cluster string
	// Requeue sets the run's requeue key to true.
	Requeue bool
	// Directives, when set, are #SBATCH lines ("{dir}" is the scenario's
	// directory) added to a copy of the demo script, which the run then
	// submits; NoLogKey leaves the run's log key out, so the daemon must
	// find the log from the script itself.
	Directives []string
	NoLogKey   bool
}

// scenario is one supervised run in its own directory, with its own job
// name, checkpoint directory, state directory and daemon(s).
type scenario struct {
	t          *testing.T
	started    time.Time
	dir        string
	ckptDir    string
	stateDir   string
	configPath string
	jobName    string // also the run's name in the config
	script     string // the batch script the run submits
	events     *eventLog
	daemon     *daemonProc // the newest
	daemons    int
	all        []*daemonProc
}

// newScenario prepares the directory and the config. Cleanups run in this
// order: stop the daemons, dump the transcript when the test failed,
// cancel the scenario's jobs.
func newScenario(t *testing.T, short string, opt runOptions) *scenario {
	t.Helper()
	needSlurm(t)
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if opt.Subdir != "" {
		dir = filepath.Join(dir, opt.Subdir)
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	s := &scenario{
		t: t, started: time.Now(), dir: dir,
		ckptDir:  filepath.Join(dir, "ckpt"),
		stateDir: filepath.Join(dir, "state"),
		jobName:  fmt.Sprintf("nsvit-%d-%s", os.Getpid(), short),
		events:   newEventLog(),
	}
	s.configPath = filepath.Join(dir, "config.yaml")
	if err := os.Mkdir(s.ckptDir, 0o755); err != nil {
		t.Fatal(err)
	}
	s.script = suite.script
	if len(opt.Directives) > 0 {
		s.script = s.scriptWith(opt.Directives)
	}
	if err := os.WriteFile(s.configPath, []byte(s.config(opt)), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { scancelName(s.jobName) })
	t.Cleanup(s.dumpOnFailure)
	t.Cleanup(func() {
		for _, d := range s.all {
			d.stop()
		}
	})
	return s
}

// start starts a daemon and remembers it for the cleanup.
func (s *scenario) start(extra ...string) *daemonProc {
	s.t.Helper()
	d := s.startDaemon(extra...)
	s.all = append(s.all, d)
	return d
}

// config is the scenario's config.yaml: one run named after the job.
func (s *scenario) config(opt runOptions) string {
	env := map[string]string{
		"NSV_SIMTRAIN":            suite.simBin,
		"SIMTRAIN_CHECKPOINT_DIR": s.ckptDir,
	}
	for k, v := range opt.Env {
		env[k] = strings.ReplaceAll(v, "{dir}", s.dir)
	}
	if opt.QueueAhead {
		env["NSV_RUN"], env["NSV_CONFIG"], env["NANOSUPERVISORD"] = s.jobName, s.configPath, suite.daemonBin
	}
	var b strings.Builder
	fmt.Fprintf(&b, "poll_interval: 2s\nstate_dir: %s\n", strconv.Quote(s.stateDir))
	b.WriteString("slurm:\n  command_timeout: 30s\n")
	if opt.SlowSbatch != nil {
		fmt.Fprintf(&b, "  bin_dir: %s\n", strconv.Quote(s.slowSbatchDir(*opt.SlowSbatch)))
	}
	b.WriteString("runs:\n")
	fmt.Fprintf(&b, "  %s:\n", s.jobName)
	fmt.Fprintf(&b, "    script: %s\n", strconv.Quote(s.script))
	fmt.Fprintf(&b, "    workdir: %s\n", strconv.Quote(s.dir))
	fmt.Fprintf(&b, "    checkpoint_dir: %s\n", strconv.Quote(s.ckptDir))
	fmt.Fprintf(&b, "    job_name: %s\n", strconv.Quote(s.jobName))
	if !opt.NoLogKey {
		fmt.Fprintf(&b, "    log: \"slurm-%%j.out\"\n")
	}
	fmt.Fprintf(&b, "    start: %s\n", opt.Start)
	if opt.Cluster != "" {
		fmt.Fprintf(&b, "    cluster: %s\n", strconv.Quote(opt.Cluster))
	}
	if opt.Requeue {
		b.WriteString("    requeue: true\n")
	}
	if opt.QueueAhead {
		b.WriteString("    queue_ahead: true\n")
	}
	quoted := make([]string, len(opt.SbatchArgs))
	for i, a := range opt.SbatchArgs {
		quoted[i] = strconv.Quote(a)
	}
	fmt.Fprintf(&b, "    sbatch_args: [%s]\n", strings.Join(quoted, ", "))
	if opt.ValBPB > 0 || opt.Core > 0 {
		b.WriteString("    targets:\n")
		if opt.ValBPB > 0 {
			fmt.Fprintf(&b, "      val_bpb: %g\n", opt.ValBPB)
		}
		if opt.Core > 0 {
			fmt.Fprintf(&b, "      core_metric: %g\n", opt.Core)
		}
	}
	for _, k := range sortedKeys(opt.RunKeys) {
		fmt.Fprintf(&b, "    %s: %s\n", k, opt.RunKeys[k])
	}
	if len(opt.Policy) > 0 {
		b.WriteString("    policy:\n")
		for _, k := range sortedKeys(opt.Policy) {
			fmt.Fprintf(&b, "      %s: %s\n", k, opt.Policy[k])
		}
	}
	b.WriteString("    env:\n")
	for _, k := range sortedKeys(env) {
		fmt.Fprintf(&b, "      %s: %s\n", k, strconv.Quote(env[k]))
	}
	return b.String()
}

// scriptWith writes a copy of the demo script with extra #SBATCH lines
// after its first line and returns its path.
func (s *scenario) scriptWith(directives []string) string {
	s.t.Helper()
	data, err := os.ReadFile(suite.script)
	if err != nil {
		s.t.Fatal(err)
	}
	first, rest, _ := strings.Cut(string(data), "\n")
	var b strings.Builder
	b.WriteString(first + "\n")
	for _, d := range directives {
		b.WriteString("#SBATCH " + strings.ReplaceAll(d, "{dir}", s.dir) + "\n")
	}
	b.WriteString(rest)
	path := filepath.Join(s.dir, "train_d20_checkpoint.sh")
	if err := os.WriteFile(path, []byte(b.String()), 0o755); err != nil {
		s.t.Fatal(err)
	}
	return path
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// logf logs with the time since the scenario started.
func (s *scenario) logf(format string, args ...any) {
	s.t.Helper()
	s.t.Logf("+%5.1fs %s", time.Since(s.started).Seconds(), fmt.Sprintf(format, args...))
}

// waitFor returns the first event with that name for which pred holds,
// waiting up to timeout for it. It fails the test at once if the newest
// daemon exits before the event arrives.
func (s *scenario) waitFor(name string, pred func(event) bool, timeout time.Duration) event {
	s.t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		changed := s.events.watch()
		if got := s.events.matching(name, pred); len(got) > 0 {
			s.logf("saw %s", got[0])
			return got[0]
		}
		d := s.daemon
		select {
		case <-changed:
		case <-d.done:
			if got := s.events.matching(name, pred); len(got) > 0 {
				s.logf("saw %s", got[0])
				return got[0]
			}
			s.t.Fatalf("daemon %d ended (%s) before a matching %s event", d.n, d.describe(), name)
		case <-deadline.C:
			s.t.Fatalf("no matching %s event within %v", name, timeout)
		}
	}
}

// waitUntil polls cond every half second until it holds or timeout passes.
func (s *scenario) waitUntil(what string, timeout time.Duration, cond func() bool) {
	s.t.Helper()
	end := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(end) {
			s.t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// trainLog is the training log (the job's stdout) of a job, "" if absent.
func (s *scenario) trainLog(jobID string) string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "slurm-"+jobID+".out"))
	return string(b)
}

// dumpOnFailure logs everything a reader of a failed run needs (of every
// run with NSV_IT_TRANSCRIPT=1): every
// event, what Slurm knows about the scenario's jobs, the training logs'
// tails and the daemon's stdout.
func (s *scenario) dumpOnFailure() {
	if !s.t.Failed() && os.Getenv("NSV_IT_TRANSCRIPT") != "1" {
		return
	}
	s.t.Logf("config.yaml:\n%s", readOr(s.configPath))
	s.t.Logf("event transcript:\n%s", s.events.transcript())
	s.t.Logf("squeue --name=%s:\n%s", s.jobName, squeueRaw(s.jobName))
	s.t.Logf("sacct --name=%s:\n%s", s.jobName, sacctRaw(s.jobName))
	logs, _ := filepath.Glob(filepath.Join(s.dir, "slurm-*.out"))
	for _, p := range logs {
		s.t.Logf("%s (tail):\n%s", filepath.Base(p), tail(readOr(p), 25))
	}
	for _, d := range s.all {
		d.mu.Lock()
		out := d.stdout.String()
		d.mu.Unlock()
		if out != "" {
			s.t.Logf("daemon %d stdout:\n%s", d.n, out)
		}
	}
}

func readOr(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	return string(b)
}

func tail(text string, n int) string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
