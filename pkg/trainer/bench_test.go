package trainer

import (
	"bytes"
	"fmt"
	"testing"
)

// benchLog builds a nanochat log of the given number of steps with an
// evaluation every 250 steps and a CORE evaluation every 2000, progress
// lines as recent base_train.py prints them (about 150 bytes each).
func benchLog(steps int) []byte {
	var b bytes.Buffer
	b.WriteString("\x1b[32m\x1b[1mINFO\x1b[0m - Distributed world size: 1\n")
	for s := range steps {
		if s%250 == 0 {
			fmt.Fprintf(&b, "Step %05d | Validation bpb: %.6f\n", s, 3.0-float64(s)/float64(steps))
		}
		if s%2000 == 0 {
			fmt.Fprintf(&b, "Step %05d | CORE metric: %.4f\n", s, float64(s)/float64(steps)/4)
		}
		fmt.Fprintf(&b, "step %05d/%05d (%.2f%%) | loss: %.6f | lrm: 1.00 | dt: 412.33ms | tok/sec: 1,271,552 | mfu: 40.12 | epoch: 1 | total time: %.2fm | eta: %.1fm\n",
			s, steps, 100*float64(s)/float64(steps), 3.5-float64(s)/float64(steps), float64(s)*0.00687, float64(steps-s)*0.00687)
	}
	b.WriteString("Total training time: 812.33m\nMinimum validation bpb: 0.745120\n")
	return b.Bytes()
}

func BenchmarkParseLog(b *testing.B) {
	data := benchLog(20000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		sum, err := parseLog(bytes.NewReader(data))
		if err != nil || sum.LastStep != 19999 || len(sum.ValBPB) != 80 || !sum.Finished {
			b.Fatalf("parseLog: LastStep %d, %d evaluations, finished %v, err %v", sum.LastStep, len(sum.ValBPB), sum.Finished, err)
		}
	}
}

// BenchmarkLogTailAppend measures the usual poll: a few new lines appended
// to a long log that was already read.
func BenchmarkLogTailAppend(b *testing.B) {
	data := benchLog(20000)
	extra := []byte("step 20000/21400 (93.46%) | loss: 2.5 | lrm: 1.00 | dt: 412.33ms\n")
	var tail LogTail
	if err := tail.Update(bytes.NewReader(data), int64(len(data))); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		data = append(data, extra...)
		if err := tail.Update(bytes.NewReader(data), int64(len(data))); err != nil {
			b.Fatal(err)
		}
		_ = tail.Summary()
	}
}

func TestBenchLogSize(t *testing.T) {
	// The benchmark is meant to read a realistic 20,000-step log of a few MB.
	if n := len(benchLog(20000)); n < 2<<20 || n > 5<<20 {
		t.Errorf("benchLog(20000) is %d bytes, want 2-5 MB", n)
	}
}

// BenchmarkParseLogHostileLines reads lines built to make a careless parser
// quadratic: stray escape introducers and endless "step " prefixes.
func BenchmarkParseLogHostileLines(b *testing.B) {
	var data []byte
	for _, unit := range []string{"\x1b]", "step ", "Step 1 | Validation bpb:", "\x1b[1"} {
		data = append(data, bytes.Repeat([]byte(unit), MaxLineBytes/len(unit))...)
		data = append(data, '\n')
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseLog(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}
