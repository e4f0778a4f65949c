package deploy

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestReadmeWalkthrough follows README.md's "Use it on your cluster" as a
// new user would, in an empty home of its own and against the fake Slurm:
// the commands are taken from the README's code blocks, so that a command
// renamed in the code or the README fails here. Each step checks what the
// README promises of it.
func TestReadmeWalkthrough(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and installs the binary")
	}
	doc := readReadme(t)
	u := newNewUser(t)
	w := &walk{t: t, doc: doc, u: u}
	for _, s := range doc.block(t, "sh", "make install").steps() {
		t.Logf("$ %s", s.cmd)
		words := strings.Fields(s.cmd)
		switch {
		case words[0] == "make":
			w.install(s)
		case words[0] == "$EDITOR":
			w.editConfig(s)
		case s.cmd == "nanosupervisord check-config":
			w.checkConfig(s)
		case s.cmd == "systemctl --user daemon-reload":
			w.systemctl = append(w.systemctl, s.cmd) // nothing to reload here
		case words[0] == "systemctl":
			w.startUnit(s)
		case words[0] == "journalctl":
			w.journal(s)
		case s.cmd == "nanosupervisord status":
			w.status(s)
		default:
			t.Fatalf("README.md:%d: the walk-through does not know the step %q; teach it what the step promises",
				doc.block(t, "sh", "make install").line, s.cmd)
		}
	}
	if w.bin == "" || w.config == "" || w.unit == "" {
		t.Fatalf("the README's set-up never installed, configured or started the daemon (bin %q, config %q, unit %q)",
			w.bin, w.config, w.unit)
	}
	w.stateFiles()
	w.operatorVerbs()
	w.resumeStep()
	w.completions()
}

// walk carries what the earlier steps of the walk-through established.
type walk struct {
	t      *testing.T
	doc    readme
	u      *newUser
	bin    string // the installed binary
	config string // the configuration the README says to edit
	runs   map[string]runPaths
	unit   string // the systemd unit's name

	installOut string   // what make install said
	systemctl  []string // the README's systemctl commands so far
}

// install: make install says where the binary went and that its directory
// is not on PATH yet, with the line to add; the user adds it.
func (w *walk) install(s step) {
	t := w.t
	if s.cmd != "make install" {
		t.Fatalf("README install step is %q; the walk-through runs make install", s.cmd)
	}
	out := makeIn(t, w.u.home, "install")
	m := regexp.MustCompile(`binary to (~/[^\s,]+)`).FindStringSubmatch(s.comment)
	if m == nil {
		t.Fatalf("README's make install comment %q does not say where the binary goes", s.comment)
	}
	dir := w.u.path(m[1])
	w.bin = filepath.Join(dir, "nanosupervisord")
	if !strings.Contains(out, "installed "+w.bin+"\n") {
		t.Fatalf("make install does not say it installed %s:\n%s", w.bin, out)
	}
	m = regexp.MustCompile(`is NOT on your PATH: add  export PATH="([^"$]+):\$PATH"`).FindStringSubmatch(out)
	if m == nil || m[1] != dir {
		t.Fatalf("make install does not tell how to put %s on PATH:\n%s", dir, out)
	}
	w.u.setPath(dir)
	w.installOut = out
	if linger := "loginctl enable-linger $USER"; !strings.Contains(out, linger+" ") || !w.doc.says("`"+linger+"`") {
		t.Errorf("make install and the README do not both say %q:\n%s", linger, out)
	}
	if out, _ := w.u.sh(0, "command -v nanosupervisord"); strings.TrimSpace(out) != w.bin {
		t.Fatalf("with PATH as make install advises, nanosupervisord is %q; want %s", out, w.bin)
	}
}

// editConfig: make install left the example configuration where the README
// says to edit it, and where the README says the configuration lives. The
// example's runs are the ones the README says to declare; the user only
// needs their own batch scripts where the runs say they are.
func (w *walk) editConfig(s step) {
	t := w.t
	words := strings.Fields(s.cmd)
	if len(words) != 2 {
		t.Fatalf("README edit step %q: want $EDITOR FILE", s.cmd)
	}
	w.u.sh(0, s.cmd) // $EDITOR is "test -s": the file is there and not empty
	w.config = w.u.path(words[1])
	if !w.doc.says("The configuration is `$XDG_CONFIG_HOME/nanosupervisord/config.yaml` (`~/.config/…`)") ||
		w.config != filepath.Join(w.u.home, ".config", "nanosupervisord", "config.yaml") {
		t.Fatalf("the README edits %s, but does not say that the configuration is there", words[1])
	}
	w.runs = w.u.writeScripts(w.config)
	for _, run := range regexp.MustCompile(`\bd\d+\b`).FindAllString(s.comment, -1) {
		if _, ok := w.runs[run]; !ok {
			t.Errorf("README says to declare %s, but the installed configuration has no run %s", run, run)
		}
	}
}

// checkConfig: the installed example passes, says where it finds the Slurm
// programs, and a problem is reported with file:line and the README's exit
// code for an invalid configuration.
func (w *walk) checkConfig(s step) {
	t := w.t
	stdout, stderr := w.u.sh(0, s.cmd)
	names := make([]string, 0, len(w.runs))
	for name := range w.runs {
		names = append(names, name)
	}
	slices.Sort(names)
	want := w.config + ": ok, " + strconv.Itoa(len(names)) + " run(s): " + strings.Join(names, ", ") + "\n"
	if !strings.HasPrefix(stdout, want) {
		t.Errorf("check-config of the installed example: stdout\n%s\nwant it to start %q", stdout, want)
	}
	for _, p := range []string{"sbatch", "sacct", "squeue", "scancel"} {
		if line := "slurm: " + p + ": " + filepath.Join(w.u.fake, p) + "\n"; !strings.Contains(stdout, line) {
			t.Errorf("check-config does not say where it finds %s (%q):\n%s", p, line, stdout)
		}
	}
	for _, line := range strings.Split(stderr, "\n") {
		if line != "" && !strings.Contains(line, "fine for a run that has not written a checkpoint yet") {
			t.Errorf("check-config of the installed example with the user's scripts: unexpected %q", line)
		}
	}

	// The README's minimal run, with its mail notification, is a whole
	// configuration of its own.
	minimal := w.doc.block(t, "yaml", "poll_interval:").text + w.doc.block(t, "yaml", "notify:").text
	if err := os.WriteFile(filepath.Join(w.u.home, "minimal.yaml"), []byte(minimal), 0o600); err != nil {
		t.Fatal(err)
	}
	if stdout, _ := w.u.sh(0, "nanosupervisord check-config minimal.yaml"); !strings.Contains(stdout, "minimal.yaml: ok, 1 run(s): d20\n") {
		t.Errorf("check-config of the README's minimal run:\n%s", stdout)
	}

	good, err := os.ReadFile(w.config)
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(good), "\npoll_interval:", "\npoll_intervall:", 1)
	if err := os.WriteFile(w.config, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	_, stderr = w.u.sh(w.doc.exitCode(t, "invalid configuration"), s.cmd)
	if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(w.config) + `:\d+:\d+: poll_intervall: unknown key`).MatchString(stderr) {
		t.Errorf("check-config of a misspelt key does not name the file and line:\n%s", stderr)
	}
	if err := os.WriteFile(w.config, good, 0o600); err != nil {
		t.Fatal(err)
	}
}

// startUnit: the unit the README enables is where make install put it,
// and its ExecStart is the installed binary running the README's
// alternative, nanosupervisord run. The walk-through starts that command
// as systemd would, after submitting the d20 job by hand, which the
// example's start: adopt takes over.
func (w *walk) startUnit(s step) {
	t := w.t
	words := strings.Fields(s.cmd)
	if len(words) != 5 || words[1] != "--user" || words[2] != "enable" || words[3] != "--now" {
		t.Fatalf("README start step %q: want systemctl --user enable --now UNIT", s.cmd)
	}
	w.unit = words[4]
	w.systemctl = append(w.systemctl, s.cmd)
	if start := "start: " + strings.Join(w.systemctl, " && ") + "\n"; !strings.Contains(w.installOut, start) {
		t.Errorf("make install and the README start the unit differently: README %q, make install:\n%s", start, w.installOut)
	}
	unitFile := filepath.Join(w.u.home, ".config", "systemd", "user", w.unit+".service")
	b, err := os.ReadFile(unitFile)
	if err != nil {
		t.Fatalf("systemctl --user enable %s needs %s: %v", w.unit, unitFile, err)
	}
	m := regexp.MustCompile(`(?m)^ExecStart=(.+)$`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("%s has no ExecStart", unitFile)
	}
	argv := strings.Fields(strings.ReplaceAll(string(m[1]), "%h", w.u.home))
	if argv[0] != w.bin {
		t.Errorf("the unit starts %s; make install put the binary at %s", argv[0], w.bin)
	}
	alt := regexp.MustCompile(`or: (nanosupervisord( [a-z-]+)*)`).FindStringSubmatch(s.comment)
	if alt == nil || strings.Join(argv[1:], " ") != strings.TrimPrefix(alt[1], "nanosupervisord ") {
		t.Errorf("the unit runs %q, the README's alternative (%q) something else", m[1], s.comment)
	}

	d20 := w.runs["d20"]
	if stdout, _ := w.u.shIn(d20.Workdir, 0, "sbatch "+d20.Script); stdout != "Submitted batch job 1\n" {
		t.Fatalf("sbatch of the user's d20 script: %q", stdout)
	}
	w.u.startDaemon(argv)
}

// journal: the field the README selects a run by is in every record of
// the run (in the journal as RUN=, in the JSON log as "run").
func (w *walk) journal(s step) {
	t := w.t
	m := regexp.MustCompile(`^journalctl --user -u (\S+) ([A-Z_]+)=(\S+)$`).FindStringSubmatch(s.cmd)
	if m == nil {
		t.Fatalf("README journal step %q: want journalctl --user -u UNIT FIELD=VALUE", s.cmd)
	}
	if m[1] != w.unit {
		t.Errorf("README reads the journal of unit %s but starts %s", m[1], w.unit)
	}
	if _, ok := w.runs[m[3]]; !ok {
		t.Errorf("README selects %s=%s, not a run of the configuration", m[2], m[3])
	}
	w.u.eventually("cat "+w.u.daemonErr, regexp.MustCompile(`"event":"run_adopted".*"`+strings.ToLower(m[2])+`":"`+m[3]+`"`))
}

// status: the run and its adopted job.
func (w *walk) status(s step) {
	w.u.eventually(s.cmd, regexp.MustCompile(`(?m)^d20 +running +1 +PENDING `))
	w.u.eventually(s.cmd, regexp.MustCompile(`(?m)^d24 +waiting +- `))
}

// TestReadmeNamesWhatExists: every make target the README names is in the
// Makefile, and its go install line names the module's command.
func TestReadmeNamesWhatExists(t *testing.T) {
	doc := readReadme(t)
	makefile, err := os.ReadFile("../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	target := regexp.MustCompile(`(?:^|\s)make ([a-z0-9-]+)`)
	seen := 0
	for _, code := range doc.code() {
		for _, m := range target.FindAllStringSubmatch(code, -1) {
			seen++
			if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(m[1]) + `:`).Match(makefile) {
				t.Errorf("README shows %q: the Makefile has no target %s", code, m[1])
			}
		}
	}
	if seen == 0 {
		t.Error("README names no make target; the parser found none")
	}

	gomod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	module := regexp.MustCompile(`(?m)^module (\S+)$`).FindSubmatch(gomod)
	install := doc.block(t, "sh", "go install").steps()
	if len(install) != 1 {
		t.Fatalf("README's go install block has %d commands; want 1", len(install))
	}
	m := regexp.MustCompile(`^CGO_ENABLED=0 go install (\S+)@latest$`).FindStringSubmatch(install[0].cmd)
	if m == nil || module == nil {
		t.Fatalf("README's go install line %q: want CGO_ENABLED=0 go install PACKAGE@latest", install[0].cmd)
	}
	rel, ok := strings.CutPrefix(m[1], string(module[1])+"/")
	if fi, err := os.Stat(filepath.Join("..", rel, "main.go")); !ok || err != nil || fi.IsDir() {
		t.Errorf("README's go install names %s, not a command of module %s", m[1], module[1])
	}
}
