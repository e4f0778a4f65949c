package supervisor

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/nanosupervisord/nanosupervisord/pkg/quota"
	"github.com/nanosupervisord/nanosupervisord/pkg/run"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor/config"
)

// quotaRig is a Supervisor with a quota command whose answers the test
// sets, and the events it emitted.
type quotaRig struct {
	s      *Supervisor
	rc     runConfig
	answer quota.Left
	err    error
	asked  [][]string
	events []run.Event
}

func newQuotaRig(st config.Storage) *quotaRig {
	r := &quotaRig{rc: runConfig{Run: &config.Run{CheckpointDir: "/scratch/d20"}, spec: run.RunSpec{Name: "d20"}}}
	r.s = &Supervisor{Options: Options{Config: &config.Config{Storage: st}, Logger: zap.NewNop(),
		OnEvent: func(_ string, e run.Event) { r.events = append(r.events, e) }}, quotas: map[string]quotaEntry{}}
	r.s.queryQuota = func(_ context.Context, argv []string, _ time.Duration) (quota.Left, error) {
		r.asked = append(r.asked, argv)
		return r.answer, r.err
	}
	return r
}

var lfsQuota = config.Storage{QuotaCommand: []string{"lfs", "quota", "-u", "alice", "{dir}"}, QuotaTimeout: time.Second}

func TestWithQuotaTakesTheSmallerBound(t *testing.T) {
	tests := []struct {
		name     string
		free     int64
		answer   quota.Left
		want     int64
		wantFrom string
	}{
		{"quota tighter", 100 << 30, quota.Left{Bytes: 5 << 30, Limited: true}, 5 << 30, run.FreeFromQuota},
		{"filesystem tighter", 1 << 30, quota.Left{Bytes: 5 << 30, Limited: true}, 1 << 30, ""},
		{"statfs unknown", -1, quota.Left{Bytes: 5 << 30, Limited: true}, 5 << 30, run.FreeFromQuota},
		{"no limit set", 100 << 30, quota.Left{}, 100 << 30, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newQuotaRig(lfsQuota)
			r.answer = tt.answer
			v := r.s.withQuota(context.Background(), time.Now(), r.rc, run.CkptView{NewestBytes: 2 << 30, FreeBytes: tt.free})
			if v.FreeBytes != tt.want || v.FreeFrom != tt.wantFrom {
				t.Errorf("FreeBytes, FreeFrom = %d, %q; want %d, %q", v.FreeBytes, v.FreeFrom, tt.want, tt.wantFrom)
			}
			if want := []string{"lfs", "quota", "-u", "alice", "/scratch/d20"}; len(r.asked) != 1 || !slices.Equal(r.asked[0], want) {
				t.Errorf("asked %q, want once %q", r.asked, want)
			}
		})
	}
}

func TestWithQuotaAsksOnlyWhenItMatters(t *testing.T) {
	r := newQuotaRig(config.Storage{QuotaTimeout: time.Second})
	v := r.s.withQuota(context.Background(), time.Now(), r.rc, run.CkptView{NewestBytes: 1 << 30, FreeBytes: 1 << 40})
	if len(r.asked) != 0 || v.FreeBytes != 1<<40 {
		t.Errorf("no quota_command: asked %q, free %d", r.asked, v.FreeBytes)
	}
	r = newQuotaRig(lfsQuota)
	r.s.withQuota(context.Background(), time.Now(), r.rc, run.CkptView{Newest: run.NoStep, FreeBytes: 1 << 40})
	if len(r.asked) != 0 {
		t.Errorf("no checkpoint to compare with, yet asked %q", r.asked)
	}
}

func TestWithQuotaAsksOncePerInterval(t *testing.T) {
	r := newQuotaRig(lfsQuota)
	r.answer = quota.Left{Bytes: 5 << 30, Limited: true}
	now := time.Now()
	for _, at := range []time.Duration{0, 10 * time.Second, quotaEvery - time.Second} {
		v := r.s.withQuota(context.Background(), now.Add(at), r.rc, run.CkptView{NewestBytes: 1, FreeBytes: 1 << 40})
		if v.FreeBytes != 5<<30 {
			t.Errorf("at +%v: free %d, want the cached 5 GiB", at, v.FreeBytes)
		}
	}
	if len(r.asked) != 1 {
		t.Errorf("asked %d times within %v, want 1", len(r.asked), quotaEvery)
	}
	r.s.withQuota(context.Background(), now.Add(quotaEvery), r.rc, run.CkptView{NewestBytes: 1, FreeBytes: 1 << 40})
	if len(r.asked) != 2 {
		t.Errorf("asked %d times after %v, want 2", len(r.asked), quotaEvery)
	}
}

// A command that fails is one config_warning naming it, again only when
// the problem changes or comes back after a good answer; the free space
// from statfs stands.
func TestWithQuotaWarnsOncePerProblem(t *testing.T) {
	r := newQuotaRig(lfsQuota)
	now := time.Now()
	pass := func(err error, answer quota.Left) run.CkptView {
		r.err, r.answer = err, answer
		now = now.Add(quotaEvery)
		return r.s.withQuota(context.Background(), now, r.rc, run.CkptView{NewestBytes: 1 << 30, FreeBytes: 1 << 40})
	}
	garbled := errors.New(`quota command "lfs quota": no lfs quota table`)
	if v := pass(garbled, quota.Left{}); v.FreeBytes != 1<<40 || v.FreeFrom != "" {
		t.Errorf("after a failure: free %d from %q, want statfs's", v.FreeBytes, v.FreeFrom)
	}
	pass(garbled, quota.Left{})
	pass(errors.New("no answer within 1s"), quota.Left{})
	pass(nil, quota.Left{Bytes: 1, Limited: true})
	pass(garbled, quota.Left{})
	var warnings []string
	for _, e := range r.events {
		if e.Name != run.EventConfigWarning {
			t.Errorf("unexpected event %s", e.Name)
			continue
		}
		if e.Fields["command"] != "lfs quota -u alice /scratch/d20" || e.Fields[run.FieldRun] != "d20" {
			t.Errorf("warning fields %v: want the command and the run", e.Fields)
		}
		warnings = append(warnings, e.Fields[run.FieldWarning].(string))
	}
	want := []string{
		`storage.quota_command: quota command "lfs quota": no lfs quota table; using the filesystem's free space`,
		`storage.quota_command: no answer within 1s; using the filesystem's free space`,
		`storage.quota_command: quota command "lfs quota": no lfs quota table; using the filesystem's free space`,
	}
	if !slices.Equal(warnings, want) {
		t.Errorf("warnings:\n%q\nwant:\n%q", warnings, want)
	}
}
