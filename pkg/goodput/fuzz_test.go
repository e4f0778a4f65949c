package goodput

import (
	"bytes"
	"testing"
)

// FuzzStepMeter: no log panics the meter, what it reports has the
// promised shape, and feeding the log in two pieces changes nothing.
func FuzzStepMeter(f *testing.F) {
	f.Add([]byte("step 02000/21400 (9.35%) | loss: 2.9 | dt: 412.33ms\nstep 02001/21400 | dt: 1.5s\n"), 7)
	f.Add([]byte("\x1b[32mstep\x1b[0m 00001/00002 | dt: 9999999999ms\r\n"), 3)
	f.Add([]byte("step 1/\nstep /2\nstep 1/2 | dt: -1ms\nstep 1/2 | dt: .ms\n"), 0)
	f.Fuzz(func(t *testing.T, log []byte, cut int) {
		whole, _ := stepTime(bytes.NewReader(log))
		if whole.Lines == 0 && (whole.FirstStep != -1 || whole.LastStep != -1 || whole.StepTime != 0) {
			t.Fatalf("no lines but %+v", whole)
		}
		if whole.Lines > 0 && (whole.FirstStep > whole.LastStep || whole.FirstStep < 0 || whole.StepTime < 0) {
			t.Fatalf("got %+v", whole)
		}
		if cut < 0 || cut > len(log) {
			return
		}
		var m StepMeter
		m.Write(log[:cut])
		m.Write(log[cut:])
		if got := m.Stats(); got != whole && len(log) <= 4096 {
			t.Fatalf("in two pieces %+v, whole %+v", got, whole)
		}
	})
}

func FuzzParseAllocTRES(f *testing.F) {
	f.Add("billing=16,cpu=16,gres/gpu:l40s=2,gres/gpu=2,mem=64G,node=1")
	f.Add("billing=1,cpu=1,mem=1G,node=1")
	f.Add("gres/gpu:a=-1,,=,cpu=99999999999999999999")
	f.Fuzz(func(t *testing.T, tres string) {
		a := ParseAllocTRES(tres)
		if a.Count < 0 || (a.Count == 0) != (a.Unit == "") {
			t.Fatalf("ParseAllocTRES(%q) = %+v", tres, a)
		}
	})
}
