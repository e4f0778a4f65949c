package trainer

import (
	"path/filepath"
	"strings"
)

// DefaultLogPattern is where sbatch sends a job's output without --output.
const DefaultLogPattern = "slurm-%j.out"

// slurmNoVal is what Slurm prints for %a in a job that is not part of an
// array: its NO_VAL array task id (0xfffffffe).
const slurmNoVal = "4294967294"

// maxPadWidth is Slurm's cap on the zero-padding width of "%10j".
const maxPadWidth = 10

// LogPathVars are the values a Slurm filename pattern can refer to.
type LogPathVars struct {
	JobID   string // %j; "123_4" (array job 123, task 4) also fills %A and %a
	JobName string // %x
	User    string // %u; left as written when empty
}

// ExpandLogPath expands a Slurm filename pattern as slurmstepd does for a
// batch step: %% is "%", %j the job id, %x the job name, %u the user, %A the
// array job id (the job id outside arrays), %a the array task id (Slurm's
// 4294967294 outside arrays), %n and %t 0 (the batch script is task 0 on
// node 0). A width such as %8j zero-pads numbers (up to 10 digits). Patterns
// whose value cannot be known here (%N host, %s step, %J, unknown letters)
// are left as written, so the path names no real file rather than a wrong
// one. A pattern containing a backslash is not expanded at all and loses its
// backslashes, as in Slurm. "" means DefaultLogPattern; a relative result
// is joined to workdir.
func ExpandLogPath(pattern, workdir string, v LogPathVars) string {
	if pattern == "" {
		pattern = DefaultLogPattern
	}
	var name string
	if strings.Contains(pattern, `\`) {
		name = removeSlashes.Replace(pattern)
	} else {
		name = expandPattern(pattern, v)
	}
	if filepath.IsAbs(name) || workdir == "" {
		return name
	}
	return filepath.Join(workdir, name)
}

func expandPattern(pattern string, v LogPathVars) string {
	arrayJob, arrayTask := v.JobID, slurmNoVal
	if job, task, ok := strings.Cut(v.JobID, "_"); ok {
		arrayJob, arrayTask = job, task
	}
	numbers := map[byte]string{'j': v.JobID, 'A': arrayJob, 'a': arrayTask, 'n': "0", 't': "0"}
	var b strings.Builder
	for i := 0; i < len(pattern); {
		if pattern[i] != '%' {
			b.WriteByte(pattern[i])
			i++
			continue
		}
		if i+1 < len(pattern) && pattern[i+1] == '%' {
			b.WriteByte('%')
			i += 2
			continue
		}
		j := i + 1
		for j < len(pattern) && pattern[j] >= '0' && pattern[j] <= '9' {
			j++
		}
		if j == len(pattern) { // "%" or "%12" at the very end: nothing to expand
			b.WriteString(pattern[i:])
			break
		}
		width := 0
		for _, c := range pattern[i+1 : j] {
			width = min(width*10+int(c-'0'), maxPadWidth)
		}
		switch n, isNumber := numbers[pattern[j]]; {
		case isNumber:
			b.WriteString(zeroPad(n, width))
		case pattern[j] == 'x':
			b.WriteString(v.JobName)
		case pattern[j] == 'u' && v.User != "":
			b.WriteString(v.User)
		default:
			b.WriteString(pattern[i : j+1])
		}
		i = j + 1
	}
	return b.String()
}

// zeroPad left-pads a numeric value with zeros to width; anything that is
// not all digits is returned as is (Slurm pads only numbers).
func zeroPad(s string, width int) string {
	if len(s) >= width || s == "" || digitsLen([]byte(s)) != len(s) {
		return s
	}
	return strings.Repeat("0", width-len(s)) + s
}

// removeSlashes mirrors Slurm's handling of an escaped pattern: "\\"
// becomes "\", any other backslash disappears.
var removeSlashes = strings.NewReplacer(`\\`, `\`, `\`, "")
