package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/nanosupervisord/nanosupervisord/internal/fakeslurm"
	"github.com/nanosupervisord/nanosupervisord/pkg/ckpt/ckpttest"
	"github.com/nanosupervisord/nanosupervisord/pkg/lease"
)

// scriptEnv is what a fixture command sees of its script: paths resolve
// against the script's directory and variables come from the script's
// environment, not the test process's.
type scriptEnv struct {
	abs    func(path string) string
	getenv func(name string) string
	stdout io.Writer
	stderr io.Writer
}

// fixtureCommands write test fixtures or read the fake's records. They run
// inside the test process (see scriptBuiltins): starting the test binary
// once more for each would cost more than the work they do.
var fixtureCommands = map[string]func(e scriptEnv, args []string) int{
	"mkckpt":    cmdMkckpt,
	"cpckpt":    cmdCpckpt,
	"mklog":     cmdMklog,
	"mklease":   cmdMklease,
	"sbatchlog": cmdSbatchlog,
}

// settled is how far in the past the fixture writers date their files:
// the daemon and the ckpt verb treat files modified within seconds as
// still being written, and a test must not wait that out.
const settled = time.Hour

// cmdMkckpt writes one checkpoint step with ckpttest:
//
//	mkckpt DIR STEP RANKS VALBPB [torn|nometa|save_every=N]
//
// VALBPB "nan" writes a null val_bpb, as nanochat does with eval off. torn
// truncates the model file to half its size; nometa removes the meta file;
// save_every=N writes N as the meta's user_config.save_every (else -1).
func cmdMkckpt(e scriptEnv, args []string) int {
	stderr := e.stderr
	if len(args) < 4 || len(args) > 5 {
		fmt.Fprintln(stderr, "usage: mkckpt DIR STEP RANKS VALBPB [torn|nometa|save_every=N]")
		return 2
	}
	dir := e.abs(args[0])
	step, err1 := strconv.Atoi(args[1])
	ranks, err2 := strconv.Atoi(args[2])
	val, err3 := strconv.ParseFloat(args[3], 64)
	if strings.EqualFold(args[3], "nan") {
		val, err3 = math.NaN(), nil
	}
	if err := errors.Join(err1, err2, err3); err != nil {
		fmt.Fprintln(stderr, "mkckpt:", err)
		return 2
	}
	if err := writeStep(dir, step, ranks, val, args[4:]); err != nil {
		fmt.Fprintln(stderr, "mkckpt:", err)
		return 1
	}
	return 0
}

func writeStep(dir string, step, ranks int, val float64, damage []string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := ckpttest.WriteStep(dir, step, ranks, val); err != nil {
		return err
	}
	pad := fmt.Sprintf("%06d", step)
	model := filepath.Join(dir, "model_"+pad+".pt")
	meta := filepath.Join(dir, "meta_"+pad+".json")
	for _, d := range damage {
		switch d {
		case "torn":
			fi, err := os.Stat(model)
			if err != nil {
				return err
			}
			if err := os.Truncate(model, fi.Size()/2); err != nil {
				return err
			}
		case "nometa":
			if err := os.Remove(meta); err != nil {
				return err
			}
		default:
			every, ok := strings.CutPrefix(d, "save_every=")
			n, err := strconv.Atoi(every)
			if !ok || err != nil {
				return fmt.Errorf("unknown damage %q: want torn, nometa or save_every=N", d)
			}
			if err := os.WriteFile(meta, ckpttest.MetaJSON(step, val, n), 0o644); err != nil {
				return err
			}
		}
	}
	return backdate(dir, "_"+pad)
}

// backdate moves the modification time of dir's files whose names contain
// infix (every file when infix is "") an hour into the past.
func backdate(dir, infix string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	old := time.Now().Add(-settled)
	for _, e := range entries {
		if e.Type().IsRegular() && strings.Contains(e.Name(), infix) {
			if err := os.Chtimes(filepath.Join(dir, e.Name()), old, old); err != nil {
				return err
			}
		}
	}
	return nil
}

// cmdCpckpt copies the checkpoint files of the directory $FIXTURES (the
// real torch.save fixtures) into DIR, dated an hour ago:
//
//	cpckpt DIR
func cmdCpckpt(e scriptEnv, args []string) int {
	if len(args) != 1 {
		fmt.Fprintln(e.stderr, "usage: cpckpt DIR")
		return 2
	}
	if err := copyDir(e.getenv("FIXTURES"), e.abs(args[0])); err != nil {
		fmt.Fprintln(e.stderr, "cpckpt:", err)
		return 1
	}
	return 0
}

func copyDir(src, dst string) error {
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasSuffix(e.Name(), ".pt") && !strings.HasPrefix(e.Name(), "meta_") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), data, 0o644); err != nil {
			return err
		}
	}
	return backdate(dst, "")
}

// cmdMklog appends lines to a training log, creating it if needed:
//
//	mklog FILE LINE...
func cmdMklog(e scriptEnv, args []string) int {
	stderr := e.stderr
	if len(args) < 1 {
		fmt.Fprintln(stderr, "usage: mklog FILE LINE...")
		return 2
	}
	f, err := os.OpenFile(e.abs(args[0]), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		fmt.Fprintln(stderr, "mklog:", err)
		return 1
	}
	var b strings.Builder
	for _, line := range args[1:] {
		b.WriteString(line + "\n")
	}
	_, werr := f.WriteString(b.String())
	if err := errors.Join(werr, f.Close()); err != nil {
		fmt.Fprintln(stderr, "mklog:", err)
		return 1
	}
	return 0
}

// cmdMklease writes DIR/lease.json as another daemon would, naming HOST and
// PID with a heartbeat AGE ago (default: now):
//
//	mklease DIR HOST PID [AGE]
func cmdMklease(e scriptEnv, args []string) int {
	stderr := e.stderr
	if len(args) < 3 || len(args) > 4 {
		fmt.Fprintln(stderr, "usage: mklease DIR HOST PID [AGE]")
		return 2
	}
	pid, err := strconv.Atoi(args[2])
	var age time.Duration
	if err == nil && len(args) == 4 {
		age, err = time.ParseDuration(args[3])
	}
	if err != nil {
		fmt.Fprintln(stderr, "mklease:", err)
		return 2
	}
	now := time.Now()
	h := lease.Holder{Host: args[1], PID: pid, Started: now.Add(-age - time.Minute), Heartbeat: now.Add(-age), Version: "test"}
	data, err := json.MarshalIndent(h, "", "  ")
	dir := e.abs(args[0])
	if err == nil {
		err = os.MkdirAll(dir, 0o700)
	}
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, lease.LeaseFile), append(data, '\n'), 0o600)
	}
	if err != nil {
		fmt.Fprintln(stderr, "mklease:", err)
		return 1
	}
	return 0
}

// cmdSbatchlog prints the fake's record of every sbatch call, oldest first,
// one line each: "rc=RC job=ID argv: ARG ARG ...". $WORK is shown as
// "$WORK" and the random nonce of a tag (--comment=nsv:RUN:ATTEMPT:NONCE,
// eight hex digits) as "NONCE", so that scripts can compare whole lines.
//
//	sbatchlog
func cmdSbatchlog(e scriptEnv, args []string) int {
	stdout, stderr := e.stdout, e.stderr
	if len(args) != 0 {
		fmt.Fprintln(stderr, "usage: sbatchlog")
		return 2
	}
	calls, err := fakeslurm.ReadSbatchLog(e.getenv(fakeslurm.EnvDir))
	if errors.Is(err, os.ErrNotExist) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "sbatchlog:", err)
		return 1
	}
	work := e.getenv("WORK")
	for _, c := range calls {
		argv := strings.Join(c.Argv, " ")
		if work != "" {
			argv = strings.ReplaceAll(argv, work, "$WORK")
		}
		argv = tagNonce.ReplaceAllString(argv, "${1}NONCE")
		job := c.JobID
		if job == "" {
			job = "-"
		}
		fmt.Fprintf(stdout, "rc=%d job=%s argv: %s\n", c.RC, job, argv)
		// With FAKESLURM_RECORD_ENV, the variables sbatch saw, sorted.
		names := make([]string, 0, len(c.Env))
		for k := range c.Env {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			fmt.Fprintf(stdout, "  env %s=%s\n", k, c.Env[k])
		}
	}
	return 0
}

// scriptBuiltins are the commands that run inside the test process: exits,
// sleep and waitfor, which need the script itself, and the fixture
// commands.
func scriptBuiltins() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	cmds := map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"exits":   builtinExits,
		"sleep":   builtinSleep,
		"waitfor": builtinWaitfor,
		// notifysocket: notifysock_test.go
		"notifysocket": builtinNotifySocket,
	}
	for name, run := range fixtureCommands {
		cmds[name] = func(ts *testscript.TestScript, neg bool, args []string) {
			e := scriptEnv{abs: ts.MkAbs, getenv: ts.Getenv, stdout: ts.Stdout(), stderr: ts.Stderr()}
			if code := run(e, args); (code != 0) != neg {
				ts.Fatalf("%s exited %d", name, code)
			}
		}
	}
	return cmds
}

// builtinExits runs a command and checks its exact exit code; its stdout
// and stderr are kept for the stdout and stderr commands, as with exec:
//
//	exits CODE PROGRAM [ARGS...]
func builtinExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE PROGRAM [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("%s: %v", args[1], err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}

// builtinSleep pauses the script, to let a backoff pass:
//
//	sleep DURATION
func builtinSleep(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: sleep DURATION")
	}
	d, err := time.ParseDuration(args[0])
	ts.Check(err)
	time.Sleep(d)
}

// builtinWaitfor polls FILE until its content matches REGEXP, for scripts
// that drive a daemon running in the background; it fails after TIMEOUT
// (default 20s):
//
//	waitfor FILE REGEXP [TIMEOUT]
func builtinWaitfor(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: waitfor FILE REGEXP [TIMEOUT]")
	}
	re, err := regexp.Compile("(?m)" + args[1])
	ts.Check(err)
	timeout := 20 * time.Second
	if len(args) == 3 {
		timeout, err = time.ParseDuration(args[2])
		ts.Check(err)
	}
	path := ts.MkAbs(args[0])
	for deadline := time.Now().Add(timeout); ; time.Sleep(50 * time.Millisecond) {
		data, _ := os.ReadFile(path)
		if re.Match(data) {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("waitfor: no match for %q in %s after %s; it holds:\n%s", args[1], args[0], timeout, data)
		}
	}
}

// tagNonce matches the nonce of a submission tag.
var tagNonce = regexp.MustCompile(`(--comment=nsv:[^:\s]+:[0-9]+:)[0-9a-f]{8}\b`)
