package trainer

import (
	"bytes"
	"errors"
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

// readMetrics records what line says about metrics and progress. A
// metric line whose step or value cannot be read is left out.
func (p *logParser) readMetrics(line []byte, has *byteSet) {
	// Progress lines are nearly all of a log and have no capital letters;
	// every other key starts with one, so one lookup skips their search.
	if !has.containsAnyOf("VCMTR") {
		p.readProgress(line)
		return
	}
	for _, m := range [...]struct {
		key    []byte
		points *[]Point
	}{{keyValBPB, &p.sum.ValBPB}, {keyCore, &p.sum.Core}} {
		if k := bytes.Index(line, m.key); k >= 0 {
			if pt, ok := evalPoint(line, k, len(m.key)); ok {
				*m.points = append(*m.points, pt)
			}
			return
		}
	}
	if bytes.Contains(line, keyMinValBPB) || bytes.Contains(line, keyTotalTime) {
		p.sum.Finished = true
		return
	}
	if k := bytes.Index(line, keyResume); k >= 0 {
		if step, ok := leadingInt(bytes.TrimLeft(line[k+len(keyResume):], " \t")); ok {
			p.sum.ResumedFrom = step
			p.sum.Finished = false
		}
		return
	}
	p.readProgress(line)
}

// readProgress records a "step N/T (..%) | loss: ..." line.
func (p *logParser) readProgress(line []byte) {
	for from := 0; ; {
		i := bytes.Index(line[from:], keyProgress)
		if i < 0 {
			return
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
			return // numbers too large to be steps
		}
		p.sum.LastStep = max(p.sum.LastStep, step)
		p.sum.PlannedTotal = total
		p.sum.Finished = false
		return
	}
}

// evalPoint reads "Step N | <key> X" where the key starts at line[k:].
func evalPoint(line []byte, k, keyLen int) (Point, bool) {
	head := line[:k]
	s := bytes.LastIndex(head, keyEvalStep)
	if s < 0 {
		return Point{}, false
	}
	step, stepOK := leadingInt(head[s+len(keyEvalStep):])
	v, valueOK := parseValue(line[k+keyLen:])
	return Point{Step: step, Value: v}, stepOK && valueOK
}

// parseValue reads the number at the start of b (after blanks). Python's
// "nan", "inf" and "-inf" are kept as NaN and ±Inf: a diverged run must be
// seen as diverged, not as unparsable.
func parseValue(b []byte) (float64, bool) {
	b = bytes.TrimLeft(b, " \t")
	end := bytes.IndexAny(b, " \t|,")
	if end < 0 {
		end = len(b)
	}
	v, err := strconv.ParseFloat(string(b[:end]), 64)
	// Out of range ("1e999") comes back as ±Inf, which is what Python means.
	return v, err == nil || errors.Is(err, strconv.ErrRange)
}

// leadingInt reads the decimal digits at the start of b.
func leadingInt(b []byte) (int, bool) {
	n := digitsLen(b)
	v, ok := atoiDigits(b[:n])
	return v, ok && n > 0
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
