package run

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/goodput"
)

// TestDecideRecordsAccounting: a running job's sacct row and log steps go
// into its record, the first step's time is estimated once, and its end
// is accounted in a job_accounted event.
func TestDecideRecordsAccounting(t *testing.T) {
	st := running()
	st.Job.Start = t0.Add(-time.Hour) // seen running by an earlier pass
	in := input(st)
	row := sacctRow("100", "RUNNING", "0:0")
	row.Start, row.End = t0.Add(-time.Hour), time.Time{}
	row.Submit, row.Elapsed = t0.Add(-time.Hour-5*time.Minute), time.Hour
	row.AllocTRES, row.NodeList = "billing=16,cpu=16,gres/gpu=2,mem=64G,node=1", "gpu07"
	in.Slurm.Job = row
	in.Log.Steps = &goodput.StepStats{FirstStep: 1000, LastStep: 1999, Lines: 1000, StepTime: 2 * time.Second}
	p := Decide(in)
	j := p.Next.Job
	if j.AllocTRES != row.AllocTRES || j.NodeList != "gpu07" || j.Elapsed != time.Hour || !j.SlurmSubmit.Equal(row.Submit) {
		t.Errorf("record: %+v; want the sacct row's accounting fields", j)
	}
	// 999 steps of 2 s before now.
	if want := t0.Add(-1998 * time.Second); !j.FirstStepAt.Equal(want) {
		t.Errorf("first step at %v, want %v", j.FirstStepAt, want)
	}
	if !p.Next.Updated.Equal(t0) {
		t.Errorf("the first step's time was not recorded (state unchanged)")
	}

	// Later: more steps, a checkpoint at 2500; the first step's time stays.
	in = input(p.Next)
	in.Now = t0.Add(time.Hour)
	in.Slurm.Job = sacctRow("100", "TIMEOUT", "0:0")
	in.Slurm.Job.Start, in.Slurm.Job.End, in.Slurm.Job.Elapsed = t0.Add(-time.Hour), t0.Add(time.Hour), 2*time.Hour
	in.Slurm.Job.Submit, in.Slurm.Job.AllocTRES = row.Submit, row.AllocTRES
	in.Log.Steps = &goodput.StepStats{FirstStep: 1000, LastStep: 2799, Lines: 1800, StepTime: 2 * time.Second}
	in.Ckpt.Newest = 2500
	p = Decide(in)
	if ended := endedJob(p.Next, "100"); ended == nil || !ended.FirstStepAt.Equal(t0.Add(-1998*time.Second)) {
		t.Errorf("job 100 after its end: %+v; want the first step's time unchanged", ended)
	}
	var ev *Event
	for i := range p.Events {
		if p.Events[i].Name == EventJobAccounted {
			ev = &p.Events[i]
		}
	}
	if ev == nil {
		t.Fatalf("events %v, want %s", eventNames(p), EventJobAccounted)
	}
	want := map[string]any{FieldRun: "d20", FieldJobID: "100", FieldState: "TIMEOUT", "unit": "gpu", "units": 2,
		"alloc_hours": 4.0, "banked_steps": 1500, "lost_steps": 300, "lost_hours": round3(300 * 2 * 2.0 / 3600),
		"queue_wait": "5m0s", "step_time": "2s", "restart": (time.Hour - 1998*time.Second).String()}
	if !reflect.DeepEqual(ev.Fields, want) {
		t.Errorf("job_accounted fields\n got %v\nwant %v", ev.Fields, want)
	}
}

// TestAccountRunAndAdvice: the report and the advice come from the state
// alone, old records without accounting fields included.
func TestAccountRunAndAdvice(t *testing.T) {
	steps := func(first, last int) *goodput.StepStats {
		return &goodput.StepStats{FirstStep: first, LastStep: last, Lines: last - first + 1, StepTime: 2 * time.Second}
	}
	tres := "billing=16,cpu=16,gres/gpu=1,mem=64G,node=1"
	st := RunState{Name: "d20", NewestStep: 2000, History: []JobRecord{
		{ID: "1", ResumeStep: 0, State: "TIMEOUT", Start: t0, End: t0.Add(2 * time.Hour)}, // written before accounting
		{ID: "2", ResumeStep: 0, State: "TIMEOUT", SlurmSubmit: t0.Add(2 * time.Hour), Start: t0.Add(2 * time.Hour),
			End: t0.Add(4 * time.Hour), Elapsed: 2 * time.Hour, AllocTRES: tres, TimeLimit: 2 * time.Hour,
			NewestStepAtEnd: 2000, Steps: steps(0, 3399), FirstStepAt: t0.Add(2*time.Hour + 5*time.Minute), Handled: true},
	}}
	for s := 500; s <= 2000; s += 500 {
		st.Saves = append(st.Saves, goodput.Checkpoint{Step: s, ModTime: t0.Add(2*time.Hour + 5*time.Minute + time.Duration(s/500)*(1000*time.Second+time.Minute))})
	}
	a := AccountRun(st, t0.Add(5*time.Hour))
	if len(a.Jobs) != 2 || a.Jobs[0].AllocHours != 0 || a.Jobs[1].BankedSteps != 2000 || a.Jobs[1].LostSteps != 1400 {
		t.Fatalf("got %+v", a)
	}
	if a.Goodput == nil || math.Abs(*a.Goodput-(2000*2.0/3600)/2) > 1e-9 {
		t.Errorf("goodput %v, want %v", a.Goodput, (2000*2.0/3600)/2)
	}
	adv, ok := AdviseSaveEvery(st, a)
	// R = 2h - 5m = 6900 s, P = 500·2 + 60 = 1060 s: n = 6, loss 540 s.
	if !ok || adv.Current != 500 || adv.SavesPerJob != 6 || adv.LossNow != 540*time.Second || adv.LossAdvised >= adv.LossNow {
		t.Errorf("advice %+v, %v; want from --save-every 500 with 6 saves, losing 9m0s now and less after", adv, ok)
	}
}

func endedJob(st RunState, id string) *JobRecord {
	if st.Job != nil && st.Job.ID == id {
		return st.Job
	}
	for i := range st.History {
		if st.History[i].ID == id {
			return &st.History[i]
		}
	}
	return nil
}

// TestStateWithoutAccountingReadable: a state written before accounting
// existed still loads, and its jobs are reported with what is known.
func TestStateWithoutAccountingReadable(t *testing.T) {
	old := []byte(`{"name":"d20","phase":"running","attempts":2,"newest_step":1500,
		"job":{"id":"7","attempt":2,"resume_step":1000,"state":"RUNNING","start":"2026-11-28T10:00:00Z","time_limit":86400000000000},
		"history":[{"id":"6","attempt":1,"resume_step":500,"state":"TIMEOUT","start":"2026-11-27T10:00:00Z",
			"end":"2026-11-28T09:00:00Z","handled":true,"newest_step_at_end":1000}]}`)
	var st RunState
	if err := json.Unmarshal(old, &st); err != nil {
		t.Fatal(err)
	}
	a := AccountRun(st, time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC))
	if len(a.Jobs) != 2 || a.Jobs[0].BankedSteps != 500 || a.Jobs[1].BankedSteps != 500 || a.AllocHours != 0 || a.Goodput != nil {
		t.Errorf("got %+v; want jobs 6 and 7 with 500 steps banked each, no hours (no AllocTRES), no goodput", a)
	}
	if _, ok := AdviseSaveEvery(st, a); ok {
		t.Errorf("advice without a step time")
	}
}

// TestDecideStepsOnlyOnceStarted: a log read before the job is known to
// have started is not the job's (a log shared by several jobs); a job
// that started and ended between two passes still gets its log's steps.
func TestDecideStepsOnlyOnceStarted(t *testing.T) {
	st := running()
	in := input(st)
	in.Slurm.Job = sacctRow("100", "PENDING", "0:0")
	in.Slurm.Job.Start = time.Time{}
	in.Log.Steps = &goodput.StepStats{FirstStep: 0, LastStep: 499, Lines: 500, StepTime: time.Second}
	p := Decide(in)
	if j := p.Next.Job; j.Steps != nil || !j.FirstStepAt.IsZero() {
		t.Errorf("pending job: steps %+v first step at %v; want none", j.Steps, j.FirstStepAt)
	}

	in = input(p.Next)
	in.Slurm.Job = sacctRow("100", "FAILED", "1:0") // started and ended since
	in.Log.Steps = &goodput.StepStats{FirstStep: 1000, LastStep: 1099, Lines: 100, StepTime: time.Second}
	p = Decide(in)
	j := endedJob(p.Next, "100")
	if j == nil || j.Steps == nil || j.Steps.LastStep != 1099 {
		t.Fatalf("ended job: %+v; want the log's steps", j)
	}
	for _, e := range p.Events {
		if e.Name == EventJobAccounted && e.Fields["lost_steps"] != 100 {
			t.Errorf("job_accounted lost_steps = %v, want 100", e.Fields["lost_steps"])
		}
	}
}

// TestAdviceFromCheckpointConfig: before two saves of one job are watched,
// the newest checkpoint's save_every is the current interval; its
// eval_every, core_metric_every and num_iterations reach the advice.
func TestAdviceFromCheckpointConfig(t *testing.T) {
	in := input(running())
	in.Ckpt.Newest, in.Ckpt.NewestNumIterations = 1000, 10000
	in.Ckpt.NewestEvalEvery, in.Ckpt.NewestCoreEvery, in.Ckpt.NewestSaveEvery = 250, 1000, 500
	st := Decide(in).Next
	if st.EvalEvery != 250 || st.CoreEvery != 1000 || st.SaveEvery != 500 || st.PlannedTotal != 10000 {
		t.Fatalf("state eval_every %d, core_metric_every %d, save_every %d, planned_total %d; want 250, 1000, 500, 10000",
			st.EvalEvery, st.CoreEvery, st.SaveEvery, st.PlannedTotal)
	}
	st.Job = &JobRecord{ID: "100", State: "TIMEOUT", Start: t0, End: t0.Add(2 * time.Hour), TimeLimit: 2 * time.Hour,
		FirstStepAt: t0.Add(5 * time.Minute), Handled: true,
		Steps: &goodput.StepStats{FirstStep: 0, LastStep: 3399, Lines: 3400, StepTime: 2 * time.Second}}
	st.Saves = nil
	adv, ok := AdviseSaveEvery(st, AccountRun(st, t0.Add(3*time.Hour)))
	// R = 6900 s, P = 1000 s (no save cost measured): n = 6, loss 900 s.
	// k = ⌊(6900 - 69) / 12⌋ = 569, whose 17 save steps below 10000 are
	// no evaluation steps.
	want := goodput.Repeats{Saves: 17}
	if !ok || adv.Current != 500 || adv.LossNow != 900*time.Second || adv.SaveEvery != 569 ||
		adv.EvalEvery != 250 || adv.CoreEvery != 1000 || adv.Repeats != want {
		t.Errorf("advice %+v, %v; want from --save-every 500 (meta), 569 with evaluations known", adv, ok)
	}
}
