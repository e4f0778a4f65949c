package fakeslurm

import (
	"fmt"
	"strings"
)

// sbatchOpt is one option as given, kept in order so that #SBATCH
// directives can be applied first and the command line after them.
type sbatchOpt struct{ name, value string }

// sbatchArgs is an sbatch command line split into options and operands.
type sbatchArgs struct {
	opts       []sbatchOpt
	script     string
	scriptArgs []string
}

// sbatchValueOpts are the long options that take a value. Options not
// listed here are taken as flags, or as name=value when written with '='.
var sbatchValueOpts = map[string]bool{
	"job-name": true, "comment": true, "time": true, "partition": true, "account": true,
	"chdir": true, "output": true, "error": true, "input": true, "cpus-per-task": true,
	"mem": true, "mem-per-cpu": true, "mem-per-gpu": true, "signal": true, "export": true,
	"clusters": true, "cluster": true, "nodes": true, "ntasks": true, "ntasks-per-node": true,
	"gres": true, "gpus": true, "gpus-per-node": true, "gpus-per-task": true, "qos": true,
	"dependency": true, "array": true, "constraint": true, "nodelist": true, "exclude": true,
	"begin": true, "mail-type": true, "mail-user": true, "open-mode": true, "reservation": true,
	"time-min": true, "tmp": true, "wckey": true, "wrap": true, "licenses": true,
	"deadline": true, "priority": true, "distribution": true, "cpu-freq": true, "hint": true,
	"core-spec": true, "extra-node-info": true, "nodefile": true, "export-file": true,
	"gpu-bind": true, "container": true, "cluster-constraint": true, "threads-per-core": true,
	"sockets-per-node": true, "cores-per-socket": true, "network": true, "workdir": true,
}

// sbatchShortOpts maps short options to their long names; value-taking
// ones are those whose long name is in sbatchValueOpts.
var sbatchShortOpts = map[byte]string{
	'J': "job-name", 't': "time", 'p': "partition", 'A': "account", 'D': "chdir",
	'o': "output", 'e': "error", 'i': "input", 'c': "cpus-per-task", 'M': "clusters",
	'N': "nodes", 'n': "ntasks", 'q': "qos", 'd': "dependency", 'a': "array",
	'C': "constraint", 'w': "nodelist", 'x': "exclude", 'G': "gpus", 'L': "licenses",
	'S': "core-spec", 'm': "distribution", 'B': "extra-node-info", 'F': "nodefile",
	'H': "hold", 'Q': "quiet", 'v': "verbose", 'W': "wait", 'k': "no-kill",
	'O': "overcommit", 's': "oversubscribe", 'h': "help", 'V': "version",
}

// parseSbatchArgs splits args the way sbatch's getopt does: options until
// the first operand (the script) or "--"; everything after the script goes
// to the script. With wantScript false (an #SBATCH line) operands are an
// error.
func parseSbatchArgs(args []string, wantScript bool) (sbatchArgs, error) {
	var out sbatchArgs
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return out.takeOperands(args[i+1:], wantScript)
		case strings.HasPrefix(a, "--"):
			name, value, hasValue := strings.Cut(a[2:], "=")
			if !hasValue && sbatchValueOpts[name] {
				if i+1 >= len(args) {
					return out, fmt.Errorf("option '--%s' requires an argument", name)
				}
				i++
				value = args[i]
			}
			out.opts = append(out.opts, sbatchOpt{name, value})
		case len(a) > 1 && a[0] == '-':
			n, err := out.parseShort(args, i)
			if err != nil {
				return out, err
			}
			i = n
		default:
			return out.takeOperands(args[i:], wantScript)
		}
	}
	return out, nil
}

// parseShort parses a cluster of short options at args[i] ("-J", "-Jname",
// "-Qv") and returns the index of the last argument it used.
func (out *sbatchArgs) parseShort(args []string, i int) (int, error) {
	a := args[i]
	for k := 1; k < len(a); k++ {
		name, ok := sbatchShortOpts[a[k]]
		if !ok {
			return i, fmt.Errorf("invalid option -- '%c'", a[k])
		}
		if !sbatchValueOpts[name] {
			out.opts = append(out.opts, sbatchOpt{name, ""})
			continue
		}
		value := a[k+1:]
		if value == "" {
			if i+1 >= len(args) {
				return i, fmt.Errorf("option requires an argument -- '%c'", a[k])
			}
			i++
			value = args[i]
		}
		out.opts = append(out.opts, sbatchOpt{name, value})
		break
	}
	return i, nil
}

func (out sbatchArgs) takeOperands(rest []string, wantScript bool) (sbatchArgs, error) {
	if len(rest) == 0 {
		return out, nil
	}
	if !wantScript {
		return out, fmt.Errorf("unexpected operand %q", rest[0])
	}
	out.script, out.scriptArgs = rest[0], rest[1:]
	return out, nil
}

// scriptDirectives returns the options of the #SBATCH lines at the top of a
// batch script; like sbatch, it stops at the first line that is neither
// blank nor a comment.
func scriptDirectives(script []byte) ([]sbatchOpt, error) {
	var opts []sbatchOpt
	for n, line := range strings.Split(string(script), "\n") {
		line = strings.TrimSpace(line)
		if n == 0 || line == "" {
			continue
		}
		if !strings.HasPrefix(line, "#") {
			break
		}
		rest, ok := strings.CutPrefix(line, "#SBATCH")
		if !ok || (rest != "" && rest[0] != ' ' && rest[0] != '\t') {
			continue
		}
		words := shellWords(rest)
		parsed, err := parseSbatchArgs(words, false)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n+1, err)
		}
		opts = append(opts, parsed.opts...)
	}
	return opts, nil
}

// shellWords splits s on blanks, honouring single and double quotes, and
// stops at an unquoted '#' that starts a word (a trailing comment).
func shellWords(s string) []string {
	var words []string
	var cur strings.Builder
	inWord, quote := false, byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
			cur.WriteByte(c)
		case c == '\'' || c == '"':
			quote, inWord = c, true
		case c == ' ' || c == '\t':
			if inWord {
				words, inWord = append(words, cur.String()), false
				cur.Reset()
			}
		case c == '#' && !inWord:
			return words
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}
