package deploy

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// stateFiles: while the daemon runs, the README's "Files" are where it
// says, with the mode it says.
func (w *walk) stateFiles() {
	t := w.t
	section := w.doc.section(t, "### Files")
	var dir string
	var names []string
	for _, bullet := range strings.Split(section, "\n- ")[1:] {
		spans := codeSpan.FindAllStringSubmatch(bullet, -1)
		if len(spans) == 0 {
			continue
		}
		switch p := w.u.path(spans[0][1]); {
		case strings.HasSuffix(spans[0][1], "config.yaml"):
			if p != w.config {
				t.Errorf("README's Files name the configuration %s; its set-up edits %s", p, w.config)
			}
		case strings.HasSuffix(spans[0][1], "/"):
			dir = p
			for _, s := range spans[1:] {
				names = append(names, s[1])
			}
			if !strings.Contains(bullet, "Mode 0600.") {
				t.Errorf("README's state files bullet no longer says their mode; the walk-through checks 0600")
			}
		}
	}
	if dir == "" || len(names) == 0 {
		t.Fatalf("README's Files section names no state directory and files:\n%s", section)
	}
	for _, name := range names {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("README's Files: %v", err)
			continue
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v; README says 0600", name, fi.Mode().Perm())
		}
	}
}

// operatorVerbs: every verb the README names exists and takes the flags it
// shows; then, as a user would: a scrontab tick beside the running daemon,
// pause handed to the daemon, and the verbs after it stopped.
func (w *walk) operatorVerbs() {
	t := w.t
	help, _ := w.u.sh(0, "nanosupervisord help")
	_, list, _ := strings.Cut(help, "Available Commands:\n")
	list, _, _ = strings.Cut(list, "\n\n")
	verbs := map[string]bool{}
	for _, line := range strings.Split(list, "\n") {
		verbs[strings.Fields(line)[0]] = true
	}
	mention := regexp.MustCompile(`(?:(nanosupervisord) |^)([a-z][a-z-]*)((?: [^)|;#(]*)?)`)
	flag := regexp.MustCompile(`^\[?(--?[a-z][a-z-]*)`)
	checked := map[string]bool{}
	for _, code := range w.doc.code() {
		for _, m := range mention.FindAllStringSubmatch(strings.TrimSpace(code), -1) {
			verb := m[2]
			if m[1] == "" && !verbs[verb] {
				continue // code that does not start with a verb: make, sbatch, yaml…
			}
			if !verbs[verb] {
				t.Errorf("README shows %q: nanosupervisord has no verb %s", code, verb)
				continue
			}
			for _, word := range strings.Fields(m[3]) {
				f := flag.FindStringSubmatch(word)
				if f == nil || checked[verb+f[1]] {
					continue
				}
				checked[verb+f[1]] = true
				usage, _ := w.u.sh(0, "nanosupervisord "+verb+" --help")
				if !regexp.MustCompile(`(?m)^\s+(-[a-z], )?` + regexp.QuoteMeta(f[1]) + `\b`).MatchString(usage) {
					t.Errorf("README shows %q: nanosupervisord %s has no flag %s", code, verb, f[1])
				}
			}
		}
	}

	tick := w.scrontabCommand()
	_, stderr := w.u.sh(w.doc.exitCode(t, "lock"), tick)
	if !strings.Contains(stderr, "another nanosupervisord holds") {
		t.Errorf("a tick beside the running daemon does not say why it stopped:\n%s", stderr)
	}
	if !w.doc.says("With a daemon running, `resume`, `pause` and `unpause` hand their request to it") {
		t.Fatal("README no longer says that pause is handed to a running daemon; the walk-through relies on it")
	}
	if out, _ := w.u.sh(0, "nanosupervisord pause d20"); !strings.Contains(out, "handed to the running daemon") {
		t.Errorf("pause with the daemon running:\n%s", out)
	}
	w.u.eventually("nanosupervisord status", regexp.MustCompile(`(?m)^d20 +paused +1 +PENDING .*nanosupervisord unpause d20$`))
	w.u.stopDaemon()

	if out, _ := w.u.sh(0, "nanosupervisord unpause d20"); !strings.HasPrefix(out, "run d20: unpaused") {
		t.Errorf("unpause without a daemon:\n%s", out)
	}
	w.u.sh(0, tick)
	for _, line := range strings.Split(w.doc.block(t, "", "$ nanosupervisord history d20").text, "\n") {
		cmd, ok := strings.CutPrefix(line, "$ ")
		if !ok {
			continue
		}
		out, _ := w.u.sh(0, cmd)
		want := map[string]*regexp.Regexp{
			"nanosupervisord history d20": regexp.MustCompile(`(?s)\d{4}-\d\d-\d\d \d\d:\d\d:\d\d  run_adopted +attempt=0 job_id=1 .*operator_pause .*operator_unpause `),
			"nanosupervisord status":      regexp.MustCompile(`(?m)^RUN +PHASE +JOB +STATE .*\n(.*\n)*d20 +running +1 +PENDING `),
		}[cmd]
		if want == nil {
			t.Errorf("README shows %q; the walk-through does not know what to expect of it", cmd)
		} else if !want.MatchString(out) {
			t.Errorf("$ %s\n%s\nwant a match for %s", cmd, out, want)
		}
	}

	// The README's table: a job CANCELLED by you stops the run, and
	// resume resubmits a stopped run (its dry run shows the sbatch).
	w.u.sh(0, "scancel 1")
	w.u.sh(0, tick)
	w.u.eventually("nanosupervisord status", regexp.MustCompile(`(?m)^d20 +stopped +1 +CANCELLED `))
	for cmd, want := range map[string]string{
		"nanosupervisord plan":                 "d20: stopped (cancelled_by_user)",
		"nanosupervisord resume d20 --dry-run": "sbatch --parsable --no-requeue --comment=nsv:d20:1:",
		"nanosupervisord report d20":           "d20: 1 job(s), ",
		"nanosupervisord plot d20 --csv":       "metric,step,value,job_id,attempt\n",
	} {
		if out, _ := w.u.sh(0, cmd); !strings.Contains(out, want) {
			t.Errorf("$ %s\n%s\nwant %q", cmd, out, want)
		}
	}
	plot := regexp.MustCompile("`(nanosupervisord plot d20 -o (\\S+))`").FindStringSubmatch(w.doc.text)
	if plot == nil {
		t.Fatal("README no longer shows nanosupervisord plot d20 -o FILE")
	}
	w.u.sh(0, plot[1])
	if b, err := os.ReadFile(filepath.Join(w.u.home, plot[2])); err != nil || !strings.Contains(string(b), "<svg") {
		t.Errorf("%s wrote no SVG: %v", plot[1], err)
	}
	w.u.sh(w.doc.exitCode(t, "bad command line"), "nanosupervisord status --no-such-flag")
}

// scrontabCommand is the command of the README's scrontab line, with its
// five schedule fields cut off.
func (w *walk) scrontabCommand() string {
	b := w.doc.block(w.t, "", "#SCRON")
	for _, line := range strings.Split(b.text, "\n") {
		if f := strings.Fields(line); len(f) > 5 && !strings.HasPrefix(line, "#") {
			return strings.Join(f[5:], " ")
		}
	}
	w.t.Fatalf("README.md:%d: the scrontab block has no schedule line", b.line)
	return ""
}

// resumeStep: the README's first line for a training script asks for the
// resume step; a run that never wrote a checkpoint holds until its
// checkpoint directory exists, and the README says to create it.
func (w *walk) resumeStep() {
	t := w.t
	var first string
	for _, b := range w.doc.blocks {
		if b.lang == "sh" && strings.Contains(b.text, "resume-step d20") {
			line := b.steps()[0].cmd
			if first != "" && line != first {
				t.Errorf("README gives two first lines for the script: %q and %q", first, line)
			}
			first = line
		}
	}
	if first == "" {
		t.Fatal("README shows no script line with resume-step d20")
	}
	script := first + "\necho \"STEP=$STEP\""
	// A new run has no checkpoint directory before its first save; the
	// state says it never had one: a fresh start, as the README says.
	if _, err := os.Stat(w.runs["d20"].CheckpointDir); err == nil {
		t.Fatalf("the d20 run's checkpoint directory %s exists already; this step wants a new run", w.runs["d20"].CheckpointDir)
	}
	if !strings.Contains(w.doc.text, "a missing directory is a fresh start") {
		t.Error("README does not say what resume-step does for a new run without its checkpoint directory")
	}
	if out, _ := w.u.sh(0, script); out != "STEP=\n" {
		t.Errorf("the README's script line for a new run: %q; want a fresh start", out)
	}
	// An empty directory is a fresh start too, said without a word.
	if err := os.MkdirAll(w.runs["d20"].CheckpointDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, stderr := w.u.sh(0, "nanosupervisord resume-step d20"); stderr != "" {
		t.Errorf("resume-step of a new run with an empty directory wrote %q", stderr)
	}
}

// completions: the installed bash completion asks the binary, which
// completes run names from the configuration.
func (w *walk) completions() {
	t := w.t
	b, err := os.ReadFile(filepath.Join(w.u.home, ".local", "share", "bash-completion", "completions", "nanosupervisord"))
	if err != nil || !strings.Contains(string(b), "__complete") {
		t.Fatalf("installed bash completion does not ask the binary: %v", err)
	}
	out, _ := w.u.sh(0, "nanosupervisord __complete history ''")
	for name := range w.runs {
		if !regexp.MustCompile(`(?m)^` + name + `$`).MatchString(out) {
			t.Errorf("completing history's RUN does not offer %s:\n%s", name, out)
		}
	}
}
