package trainer

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// ScriptWarning is one remark about a batch script: something that will
// make the supervised run misbehave although sbatch accepts the script.
// Line is 1-based; 0 means the remark is about the run's sbatch_args or the
// script as a whole.
type ScriptWarning struct {
	Line    int
	Message string
}

// LintInput is what the script is checked against: the run's settings.
type LintInput struct {
	Ranks      int      // optimizer shards per checkpoint (GPUs of the run)
	ResumeArgs []string // the resume_args template, with StepPlaceholder
	SbatchArgs []string // flags before the script on sbatch's command line
}

// LintScript checks a batch script against what supervision needs: that it
// reads the resume step it is given, that nanochat saves checkpoints along
// the way, that it asks for as many GPUs as the run has ranks, that it
// neither submits nor requeues jobs itself, and that its #SBATCH -o/-e name
// a file Slurm can open. Warnings come in script order.
func LintScript(script []byte, in LintInput) []ScriptWarning {
	dirs := ScriptDirectiveLines(script)
	cmds := scriptCommands(script)
	var ws []ScriptWarning
	add := func(line int, format string, args ...any) {
		ws = append(ws, ScriptWarning{Line: line, Message: fmt.Sprintf(format, args...)})
	}
	train := 0 // the line of the command that runs nanochat's training
	if i := slices.IndexFunc(cmds, func(c scriptCommand) bool { return trainCommand.MatchString(c.Text) }); i >= 0 {
		train = cmds[i].Line
	}

	for _, d := range dirs {
		for _, long := range []string{"output", "error"} { // -o, -e
			if v, ok := optionValue(d.Args, long[0], long); ok && strings.HasPrefix(v, "~") {
				add(d.Line, "--%s %s: Slurm does not expand ~ in #SBATCH lines; the file goes to a directory named \"~\" under the job's working directory, and the job fails at start when there is none; write the home directory out", long, v)
			}
		}
	}

	usesStep := slices.ContainsFunc(in.ResumeArgs, func(a string) bool { return strings.Contains(a, StepPlaceholder) })
	// queue_ahead's scripts ask `nanosupervisord resume-step` instead of
	// reading their arguments.
	asksStep := slices.ContainsFunc(cmds, func(c scriptCommand) bool { return strings.Contains(c.Text, "resume-step") })
	if usesStep && !asksStep && !readsArguments(cmds, in.ResumeArgs) {
		add(max(train, 1), "resume_args pass the resume step to the script, but the script never reads its arguments ($1, ${1...}, $@, $*): every resubmission would start training from scratch")
	}
	if train > 0 {
		saveEvery, line, found := saveEveryValue(cmds, in.ResumeArgs)
		switch {
		case !found:
			add(train, "the training command has no --save-every: nanochat then saves a checkpoint only at the end, so a job that times out or crashes leaves nothing to resume from")
		case saveEvery <= 0:
			add(line, "--save-every=%d: nanochat then saves a checkpoint only at the end, so a job that times out or crashes leaves nothing to resume from", saveEvery)
		}
	}
	lintRanks(dirs, cmds, in, add)
	lintChaining(dirs, cmds, in.SbatchArgs, add)
	slices.SortStableFunc(ws, func(a, b ScriptWarning) int { return cmp.Compare(a.Line, b.Line) })
	return ws
}

// scriptCommand is one logical command line of a script (continuation
// lines joined), comments removed, with the line it starts on.
type scriptCommand struct {
	Line int
	Text string
}

// scriptCommands splits a script into logical lines, leaving out comment
// lines (which include #SBATCH directives and the #! line).
func scriptCommands(script []byte) []scriptCommand {
	var cmds []scriptCommand
	var cur strings.Builder
	start := 0
	for i, line := range strings.Split(string(script), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if cur.Len() == 0 {
			start = i + 1
			if t := strings.TrimSpace(line); t == "" || t[0] == '#' {
				continue
			}
		}
		text, continued := strings.CutSuffix(stripComment(line), `\`)
		cur.WriteString(text)
		if continued {
			cur.WriteByte(' ')
			continue
		}
		cmds = append(cmds, scriptCommand{Line: start, Text: cur.String()})
		cur.Reset()
	}
	if cur.Len() > 0 {
		cmds = append(cmds, scriptCommand{Line: start, Text: cur.String()})
	}
	return cmds
}

// stripComment cuts a shell line at an unquoted '#' that starts a word.
func stripComment(line string) string {
	var quote byte
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			} else if c == '\\' && quote == '"' {
				i++
			}
		case c == '\\':
			i++
		case c == '\'' || c == '"':
			quote = c
		case c == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t'):
			return line[:i]
		}
	}
	return line
}

var trainCommand = regexp.MustCompile(`\bbase_train\b`)

var positionalUse = regexp.MustCompile(`\$(\{[#!]?)?[1-9@*]|\bgetopts\b|\bshift\b`)

// readsArguments reports whether the script reads its positional
// arguments, or names the flag the resume_args template passes.
func readsArguments(cmds []scriptCommand, tmpl []string) bool {
	var flags []string
	for i, a := range tmpl {
		if flag, _, ok := strings.Cut(a, "="); ok && strings.HasPrefix(flag, "-") && strings.Contains(a, StepPlaceholder) {
			flags = append(flags, flag)
		} else if a == StepPlaceholder && i > 0 && strings.HasPrefix(tmpl[i-1], "-") {
			flags = append(flags, tmpl[i-1])
		}
	}
	return slices.ContainsFunc(cmds, func(c scriptCommand) bool {
		return positionalUse.MatchString(c.Text) || slices.ContainsFunc(flags, func(f string) bool { return strings.Contains(c.Text, f) })
	})
}

var saveEveryFlag = regexp.MustCompile(`--save[-_]every(?:=|\s+)(\S+)`)

// saveEveryValue finds the last --save-every the script (or the resume
// arguments) gives; a value that is not a number (a shell variable) counts
// as a positive one.
func saveEveryValue(cmds []scriptCommand, tmpl []string) (value, line int, found bool) {
	texts := append(slices.Clone(cmds), scriptCommand{Line: 0, Text: strings.Join(tmpl, " ")})
	for _, c := range texts {
		for _, m := range saveEveryFlag.FindAllStringSubmatch(c.Text, -1) {
			v := strings.Trim(m[1], `"'`)
			n, err := strconv.Atoi(v)
			if err != nil {
				n = 1
			}
			value, line, found = n, c.Line, true
		}
	}
	return value, line, found
}

var nprocFlag = regexp.MustCompile(`--nproc[-_]per[-_]node(?:=|\s+)["']?(\d+)`)

// lintRanks compares ranks with every GPU or process count the script and
// sbatch_args ask for.
func lintRanks(dirs []Directive, cmds []scriptCommand, in LintInput, add func(int, string, ...any)) {
	if in.Ranks < 1 {
		return
	}
	nodes := 1
	if v, _, ok := findOption(dirs, in.SbatchArgs, 'N', "nodes"); ok {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			nodes = n
		}
	}
	check := func(line int, what string, n int) {
		if n != in.Ranks {
			where := ""
			if line == 0 {
				where = " (sbatch_args)"
			}
			add(line, "ranks is %d but %s%s means %d: checkpoints get one optimizer shard per GPU, so the daemon would judge them by the wrong count (set ranks: %d or change the script)", in.Ranks, what, where, n, n)
		}
	}
	for _, c := range cmds {
		for _, m := range nprocFlag.FindAllStringSubmatch(c.Text, -1) {
			if n, err := strconv.Atoi(m[1]); err == nil {
				check(c.Line, "--nproc_per_node="+m[1], n*nodes)
			}
		}
	}
	// Counts per node are multiplied by the nodes; --gpus is the total.
	for _, o := range []struct {
		short   byte
		long    string
		count   func(string) (int, bool)
		perNode bool
	}{
		{0, "gres", gresGPUs, true},
		{0, "gpus-per-node", typedCount, true},
		{'G', "gpus", typedCount, false},
		{0, "ntasks-per-node", tasksPerNode, true},
	} {
		v, line, found := findOption(dirs, in.SbatchArgs, o.short, o.long)
		n, ok := o.count(v)
		if !found || !ok {
			continue
		}
		if o.perNode {
			n *= nodes
		}
		check(line, "--"+o.long+"="+v, n)
	}
}

// tasksPerNode reads --ntasks-per-node. One task per node that runs
// torchrun is the usual layout; several tasks per node are one rank each.
func tasksPerNode(v string) (int, bool) {
	n, err := strconv.Atoi(v)
	return n, err == nil && n > 1
}

// gresGPUs reads the GPU count of a --gres list: "gpu:2", "gpu:l40s:2",
// "gpu" (one).
func gresGPUs(v string) (int, bool) {
	for _, g := range strings.Split(v, ",") {
		parts := strings.Split(g, ":")
		if parts[0] != "gpu" {
			continue
		}
		if n, err := strconv.Atoi(parts[len(parts)-1]); err == nil && len(parts) > 1 {
			return n, true
		}
		return 1, true // "gpu", "gpu:l40s": one (of that type)
	}
	return 0, false
}

// typedCount reads "[type:]N".
func typedCount(v string) (int, bool) {
	if i := strings.LastIndexByte(v, ':'); i >= 0 {
		v = v[i+1:]
	}
	n, err := strconv.Atoi(v)
	return n, err == nil
}

var (
	sbatchCommand  = regexp.MustCompile("(^|[;&|(`\\s])sbatch(\\s|$)")
	requeueCommand = regexp.MustCompile(`\bscontrol\s+requeue(hold)?\b`)
)

// lintChaining warns about scripts that keep their own job chain going:
// with the daemon resubmitting too, a run would have two live jobs.
func lintChaining(dirs []Directive, cmds []scriptCommand, sbatchArgs []string, add func(int, string, ...any)) {
	if v, line, ok := findOption(dirs, sbatchArgs, 'd', "dependency"); ok {
		add(line, "--dependency=%s: the daemon submits the next job itself once this one ends; a dependency chain makes two jobs of one run", v)
	}
	for _, d := range dirs {
		if hasFlag(d.Args, "requeue") {
			add(d.Line, "--requeue: Slurm may restart the job by itself while the daemon resubmits it; leave requeueing to the daemon")
		}
	}
	if hasFlag(sbatchArgs, "requeue") {
		add(0, "--requeue in sbatch_args: Slurm may restart the job by itself while the daemon resubmits it; leave requeueing to the daemon")
	}
	for _, c := range cmds {
		if sbatchCommand.MatchString(c.Text) {
			add(c.Line, "the script runs sbatch: it chains jobs itself, while the daemon also resubmits; a run would get two live jobs")
		}
		if requeueCommand.MatchString(c.Text) {
			add(c.Line, "the script runs scontrol requeue: it restarts its own job while the daemon also resubmits; a run would get two live jobs")
		}
	}
}

// hasFlag reports whether --long (an option without a value) is given.
func hasFlag(args []string, long string) bool {
	if end := slices.Index(args, "--"); end >= 0 {
		args = args[:end]
	}
	return slices.Contains(args, "--"+long)
}
