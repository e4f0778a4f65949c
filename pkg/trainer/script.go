package trainer

import (
	"bytes"
	"slices"
	"strings"
	"time"
)

// Directive is one #SBATCH line of a batch script: its 1-based line number
// and its arguments.
type Directive struct {
	Line int
	Args []string
}

// ScriptDirectives returns the arguments of a batch script's #SBATCH lines
// as sbatch reads them, all lines run together (see ScriptDirectiveLines).
func ScriptDirectives(script []byte) []string {
	var args []string
	for _, d := range ScriptDirectiveLines(script) {
		args = append(args, d.Args...)
	}
	return args
}

// ScriptDirectiveLines returns a batch script's #SBATCH lines as sbatch
// reads them, each with its line number: only lines starting with
// "#SBATCH" (or the old "#SLURM") in column one count, reading stops at the
// first line that is neither blank nor a comment (sbatch ignores #SBATCH
// lines after the first command) and at a "hetjob"/"packjob" separator
// (later lines describe other components of a heterogeneous job).
// Arguments split on blanks; quotes group, a backslash escapes the next
// character and an unquoted '#' starts a comment. A line with an unmatched
// quote (which sbatch rejects) is skipped. sbatch parses each line on its
// own, so an option and its value are always on the same line.
func ScriptDirectiveLines(script []byte) []Directive {
	var dirs []Directive
	for lineNo, rest := 1, script; len(rest) > 0; lineNo++ {
		var line []byte
		line, rest, _ = bytes.Cut(rest, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		body, ok := bytes.CutPrefix(line, []byte("#SBATCH"))
		if !ok {
			body, ok = bytes.CutPrefix(line, []byte("#SLURM"))
		}
		if !ok {
			if t := bytes.TrimLeft(line, " \t\v\f\r"); len(t) > 0 && t[0] != '#' {
				return dirs
			}
			continue
		}
		lower := bytes.ToLower(body)
		if bytes.Contains(lower, []byte("hetjob")) || bytes.Contains(lower, []byte("packjob")) {
			return dirs
		}
		if words, ok := splitDirective(body); ok && len(words) > 0 {
			dirs = append(dirs, Directive{Line: lineNo, Args: words})
		}
	}
	return dirs
}

// DirectiveOption finds the last value a script's directives give an
// option (-S value, -Svalue, --long=value or --long value) and the line
// that gives it; found is false when no line does.
func DirectiveOption(dirs []Directive, short byte, long string) (value string, line int, found bool) {
	for _, d := range dirs {
		if v, ok := optionValue(d.Args, short, long); ok {
			value, line, found = v, d.Line, true
		}
	}
	return value, line, found
}

// findOption looks in sbatch_args first (the command line wins), then in
// the script's directives; line is 0 for sbatch_args.
func findOption(dirs []Directive, sbatchArgs []string, short byte, long string) (string, int, bool) {
	if v, ok := optionValue(sbatchArgs, short, long); ok {
		return v, 0, true
	}
	return DirectiveOption(dirs, short, long)
}

// splitDirective splits the text after "#SBATCH" into arguments like
// sbatch's get_argument; false for an unmatched quote.
func splitDirective(s []byte) ([]string, bool) {
	var words []string
	var cur strings.Builder
	inWord, escaped := false, false
	var quote byte
	for _, c := range s {
		switch {
		case escaped:
			cur.WriteByte(c)
			escaped = false
		case c == '\\':
			escaped, inWord = true, true
		case quote != 0:
			if c == quote {
				quote = 0
			} else {
				cur.WriteByte(c)
			}
		case c == '"' || c == '\'':
			quote, inWord = c, true
		case c == '#':
			return finishWords(words, &cur, inWord), true
		case c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r':
			words = finishWords(words, &cur, inWord)
			inWord = false
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	return finishWords(words, &cur, inWord), quote == 0
}

func finishWords(words []string, cur *strings.Builder, inWord bool) []string {
	if inWord {
		words = append(words, cur.String())
	}
	cur.Reset()
	return words
}

// ScriptJobName returns the job name a batch script gives itself with
// "#SBATCH -J name", "-Jname", "--job-name=name" or "--job-name name"
// (the last one wins, as with sbatch), or "" when it sets none.
func ScriptJobName(script []byte) string {
	args := ScriptDirectives(script)
	return ArgsJobName(args)
}

// ArgsJobName returns the job name sbatch arguments give with -J name,
// -Jname, --job-name=name or --job-name name (the last one wins), or "".
func ArgsJobName(args []string) string {
	v, _ := optionValue(args, 'J', "job-name")
	return v
}

// ScriptCluster returns the cluster a batch script sends itself to with
// "#SBATCH -M name" or "--clusters=name" (or sbatch's alias --cluster), or
// "" when it names none.
func ScriptCluster(script []byte) string {
	args := ScriptDirectives(script)
	return FlagsCluster(args)
}

// FlagsCluster returns the cluster sbatch flags name with -M, --clusters or
// its alias --cluster (the last one wins, in the order given), or "".
func FlagsCluster(args []string) string {
	v, _ := optionValue(args, 'M', "clusters", "cluster")
	return v
}

// ScriptTimeLimit returns the time limit a batch script asks for with
// "#SBATCH -t" or "--time", as Slurm enforces it (ParseTimeLimit). ok is
// false when the script sets no limit, an unlimited one or an invalid one.
func ScriptTimeLimit(script []byte) (limit time.Duration, ok bool) {
	args := ScriptDirectives(script)
	return ArgsTimeLimit(args)
}

// ArgsTimeLimit returns the time limit sbatch arguments ask for with -t or
// --time (the last one wins), as Slurm enforces it; ok is false when they
// set no limit, an unlimited one or an invalid one.
func ArgsTimeLimit(args []string) (limit time.Duration, ok bool) {
	v, found := optionValue(args, 't', "time")
	d, err := ParseTimeLimit(v)
	return d, found && err == nil && d > 0
}

// ArgsExclude returns the nodes sbatch arguments exclude with -x or
// --exclude (the last one wins), as written, or "".
func ArgsExclude(args []string) string {
	v, _ := optionValue(args, 'x', "exclude")
	return v
}

// flagOnly lists sbatch's short options that take no argument (or only an
// attached optional one), so "-vJname" is read as -v -J name.
const flagOnly = "hHOQsuvVW"

// optionValue finds the last value of an option given as -S value, -Svalue,
// --long=value or --long value, the way getopt_long reads sbatch's
// arguments; longs are the option's long name and its aliases. Long
// options must be spelled out; getopt's abbreviations are not recognised.
func optionValue(args []string, short byte, longs ...string) (value string, found bool) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		if opt, ok := strings.CutPrefix(a, "--"); ok {
			name, v, hasValue := strings.Cut(opt, "=")
			switch {
			case !slices.Contains(longs, name):
			case hasValue:
				value, found = v, true
			case i+1 < len(args):
				value, found = args[i+1], true
				i++
			}
			continue
		}
		if len(a) < 2 || a[0] != '-' {
			continue
		}
		for j := 1; j < len(a); j++ {
			c := a[j]
			if c == short {
				if j+1 < len(a) {
					value, found = a[j+1:], true
				} else if i+1 < len(args) {
					value, found = args[i+1], true
					i++
				}
				break
			}
			if strings.IndexByte(flagOnly, c) < 0 {
				break // another option whose argument is the rest
			}
		}
	}
	return value, found
}
