package trainer

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// The texts nanochat's scripts/base_train.py prints (NANOCHAT-FACTS.md).
// Matching is by substring, not anchored at the line start, so prefixes
// added by srun --label ("0: ") or torchrun ("[rank0]: ") do not hide a line.
var (
	keyValBPB    = []byte("Validation bpb:")
	keyCore      = []byte("CORE metric:")
	keyMinValBPB = []byte("Minimum validation bpb:")
	keyTotalTime = []byte("Total training time:")
	keyResume    = []byte("Resuming optimization from step")
	keyEvalStep  = []byte("Step ")
	keyProgress  = []byte("step ")
)

var (
	errNoEvalStep = errors.New(`no "Step N" before the metric`)
	errNoNumber   = errors.New("no number")
	errTooLarge   = errors.New("number too large")
)

// readMetrics records what line says about metrics and progress. It
// returns an error only for a line that is recognisably a metric line but
// whose step or value cannot be read.
func (p *logParser) readMetrics(line []byte, has *byteSet) error {
	// Progress lines are nearly all of a log and have no capital letters;
	// every other key starts with one, so one lookup skips their search.
	if !has.containsAnyOf("VCMTR") {
		return p.readProgress(line)
	}
	for _, m := range [...]struct {
		key    []byte
		name   string
		points *[]Point
	}{{keyValBPB, "validation bpb", &p.sum.ValBPB}, {keyCore, "CORE metric", &p.sum.Core}} {
		if k := bytes.Index(line, m.key); k >= 0 {
			pt, err := evalPoint(line, k, len(m.key))
			if err != nil {
				return fmt.Errorf("%s: %w", m.name, err)
			}
			*m.points = append(*m.points, pt)
			return nil
		}
	}
	if k := bytes.Index(line, keyMinValBPB); k >= 0 {
		// The line marks the end of the run even when its number is bad.
		p.sum.Finished = true
		v, err := parseValue(line[k+len(keyMinValBPB):])
		if err != nil {
			return fmt.Errorf("minimum validation bpb: %w", err)
		}
		p.sum.MinValBPB = &v
		return nil
	}
	if bytes.Contains(line, keyTotalTime) {
		p.sum.Finished = true
		return nil
	}
	if k := bytes.Index(line, keyResume); k >= 0 {
		step, err := leadingInt(bytes.TrimLeft(line[k+len(keyResume):], " \t"))
		if err != nil {
			return fmt.Errorf("resume step: %w", err)
		}
		p.sum.ResumedFrom = step
		p.sum.Finished = false
		return nil
	}
	return p.readProgress(line)
}

// readProgress records a "step N/T (..%) | loss: ..." line.
func (p *logParser) readProgress(line []byte) error {
	for from := 0; ; {
		i := bytes.Index(line[from:], keyProgress)
		if i < 0 {
			return nil
		}
		i += from
		from = i + len(keyProgress)
		if i > 0 && isWordByte(line[i-1]) {
			continue // "substep 3/4" is not nanochat's progress line
		}
		rest := line[from:]
		n := digitsLen(rest)
		if n == 0 || n == len(rest) || rest[n] != '/' {
			continue
		}
		m := digitsLen(rest[n+1:])
		if m == 0 {
			continue
		}
		step, ok1 := atoiDigits(rest[:n])
		total, ok2 := atoiDigits(rest[n+1 : n+1+m])
		if !ok1 || !ok2 {
			return fmt.Errorf("step progress: %w", errTooLarge)
		}
		p.sum.LastStep = max(p.sum.LastStep, step)
		p.sum.PlannedTotal = total
		p.sum.Finished = false
		return nil
	}
}

// evalPoint reads "Step N | <key> X" where the key starts at line[k:].
func evalPoint(line []byte, k, keyLen int) (Point, error) {
	head := line[:k]
	s := bytes.LastIndex(head, keyEvalStep)
	if s < 0 {
		return Point{}, errNoEvalStep
	}
	step, err := leadingInt(head[s+len(keyEvalStep):])
	if err != nil {
		return Point{}, fmt.Errorf("step: %w", err)
	}
	v, err := parseValue(line[k+keyLen:])
	if err != nil {
		return Point{}, err
	}
	return Point{Step: step, Value: v}, nil
}

// parseValue reads the number at the start of b (after blanks). Python's
// "nan", "inf" and "-inf" are kept as NaN and ±Inf: a diverged run must be
// seen as diverged, not as unparsable.
func parseValue(b []byte) (float64, error) {
	b = bytes.TrimLeft(b, " \t")
	end := bytes.IndexAny(b, " \t|,")
	if end < 0 {
		end = len(b)
	}
	tok := string(b[:end])
	if tok == "" {
		return 0, errNoNumber
	}
	v, err := strconv.ParseFloat(tok, 64)
	// Out of range ("1e999") comes back as ±Inf, which is what Python means.
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, fmt.Errorf("bad number %q", tok)
	}
	return v, nil
}

// leadingInt reads the decimal digits at the start of b.
func leadingInt(b []byte) (int, error) {
	n := digitsLen(b)
	if n == 0 {
		return 0, errNoNumber
	}
	v, ok := atoiDigits(b[:n])
	if !ok {
		return 0, errTooLarge
	}
	return v, nil
}

func digitsLen(b []byte) int {
	n := 0
	for n < len(b) && b[n] >= '0' && b[n] <= '9' {
		n++
	}
	return n
}

// atoiDigits converts ASCII digits without allocating; false on overflow.
func atoiDigits(b []byte) (int, bool) {
	v := 0
	for _, c := range b {
		d := int(c - '0')
		if v > (math.MaxInt-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	return v, true
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
