package goodput

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

// stepTime measures the steps of a whole log read from r.
func stepTime(r io.Reader) (StepStats, error) {
	var m StepMeter
	_, err := io.Copy(&m, r)
	return m.Stats(), err
}

func TestStepTime(t *testing.T) {
	tests := []struct {
		name string
		log  string
		want StepStats
	}{
		{"empty", "", StepStats{FirstStep: -1, LastStep: -1}},
		{"no progress lines", "Step 02000 | Validation bpb: 0.812345\n", StepStats{FirstStep: -1, LastStep: -1}},
		{
			name: "resumed job",
			log: "Resuming optimization from step 2000\n" +
				"step 02000/21400 (9.35%) | loss: 2.9 | lrm: 1.00 | dt: 900.00ms | tok/sec: 1,271,552\n" +
				"step 02001/21400 (9.35%) | loss: 2.9 | lrm: 1.00 | dt: 412.33ms | tok/sec: 1,271,552\n" +
				"Step 02002 | Validation bpb: 0.8\n" +
				"step 02002/21400 (9.36%) | loss: 2.9 | lrm: 1.00 | dt: 410.00ms\n",
			want: StepStats{FirstStep: 2000, LastStep: 2002, Lines: 3, StepTime: 412330 * time.Microsecond},
		},
		{
			name: "colour codes, CR line ends, seconds",
			log:  "\x1b[32mstep\x1b[0m 00007/00010 (70%) | dt: 1.5s\r\nstep 00008/00010 | dt: 1.5s\r\n",
			want: StepStats{FirstStep: 7, LastStep: 8, Lines: 2, StepTime: 1500 * time.Millisecond},
		},
		{
			name: "no dt",
			log:  "step 00005/00010 (50%) | loss: 2\n",
			want: StepStats{FirstStep: 5, LastStep: 5, Lines: 1},
		},
		{
			name: "unterminated last line not counted",
			log:  "step 00005/00010 | dt: 100.00ms\nstep 00006/00010 | dt: 10",
			want: StepStats{FirstStep: 5, LastStep: 5, Lines: 1, StepTime: 100 * time.Millisecond},
		},
		{
			name: "not a progress line",
			log:  "step size 5\nstep 5 of 10 | dt: 1ms\n",
			want: StepStats{FirstStep: -1, LastStep: -1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := stepTime(strings.NewReader(tt.log))
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestStepMeterChunks feeds a log one byte at a time: lines split across
// writes are read whole.
func TestStepMeterChunks(t *testing.T) {
	log := "step 00001/00010 | dt: 100.00ms\nstep 00002/00010 | dt: 300.00ms\nstep 00003/00010 | dt: 200.00ms\n"
	var m StepMeter
	for i := range len(log) {
		m.Write([]byte{log[i]})
	}
	got, want := m.Stats(), StepStats{FirstStep: 1, LastStep: 3, Lines: 3, StepTime: 200 * time.Millisecond}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

// TestStepMeterRecent: the median is of the recent steps only, so a run
// that slowed down is measured at its current speed.
func TestStepMeterRecent(t *testing.T) {
	var b strings.Builder
	for i := range 1000 {
		dt := "100.00ms"
		if i >= 1000-maxSamples {
			dt = "500.00ms"
		}
		fmt.Fprintf(&b, "step %05d/01000 | dt: %s\n", i, dt)
	}
	got, _ := stepTime(strings.NewReader(b.String()))
	if got.StepTime != 500*time.Millisecond || got.Lines != 1000 || got.LastStep != 999 {
		t.Errorf("got %+v, want step time 500ms over 1000 lines", got)
	}
}

func TestSaveInterval(t *testing.T) {
	t0 := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	ckpts := []Checkpoint{
		{Step: 250, ModTime: at(10)}, {Step: 500, ModTime: at(20)}, {Step: 750, ModTime: at(31)},
		// next job: resumed from 750 after a queue wait
		{Step: 1000, ModTime: at(120)}, {Step: 1250, ModTime: at(130)},
		{Step: 100}, // unverified: no time
	}
	// A save missed between two observations: the interval is per 100
	// steps, not 200.
	missed := []Checkpoint{{Step: 1100, ModTime: at(15)}, {Step: 1200, ModTime: at(25)}, {Step: 1400, ModTime: at(45)}}
	if got, want := SaveInterval(missed), (Interval{Steps: 100, Wall: 10 * time.Minute, Pairs: 2}); got != want {
		t.Errorf("a save missed: got %+v, want %+v", got, want)
	}
	// Every consecutive pair counts, the gap between jobs too.
	if got, want := SaveInterval(ckpts), (Interval{Steps: 250, Wall: 11 * time.Minute, Pairs: 4}); got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestSaveCost(t *testing.T) {
	iv := Interval{Steps: 250, Wall: 10 * time.Minute, Pairs: 3}
	if got, want := iv.SaveCost(2*time.Second), 100*time.Second; got != want {
		t.Errorf("got %v, want %v", got, want)
	}
	if got := (Interval{}).SaveCost(time.Second); got != 0 {
		t.Errorf("unmeasured: got %v, want 0", got)
	}
	if got := iv.SaveCost(3 * time.Second); got != 0 {
		t.Errorf("steps slower than the interval: got %v, want 0", got)
	}
}
