package supervisor

import (
	"slices"
	"testing"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/run"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor/config"
)

func TestSubmitRequestFittedTime(t *testing.T) {
	rc := runConfig{Run: &config.Run{Script: "train.sh", SbatchArgs: []string{"--time=24:00:00", "--gpus=1"}, ResumeArgs: []string{"{step}"}}}
	req := submitRequest(rc, run.Submit{FromStep: 2000, Tag: "nsv:d20:2:aa", TimeLimit: 1413 * time.Minute})
	want := []string{"--no-requeue", "--time=24:00:00", "--gpus=1", "--time=1413", "--comment=nsv:d20:2:aa"}
	if !slices.Equal(req.Flags, want) {
		t.Errorf("flags %q, want %q (the fitted --time after the user's)", req.Flags, want)
	}
	req = submitRequest(rc, run.Submit{FromStep: 2000, Tag: "nsv:d20:2:aa"})
	if slices.Contains(req.Flags, "--time=1413") || len(req.Flags) != 4 {
		t.Errorf("flags %q without a fit; want the user's only", req.Flags)
	}
}

func TestSubmitRequestExclude(t *testing.T) {
	rc := runConfig{Run: &config.Run{Script: "train.sh", SbatchArgs: []string{"-x", "login1"}}}
	req := submitRequest(rc, run.Submit{FromStep: run.NoStep, Tag: "t", Exclude: "gpu01,gpu02"})
	if want := []string{"--no-requeue", "-x", "login1", "--exclude=gpu01,gpu02,login1", "--comment=t"}; !slices.Equal(req.Flags, want) {
		t.Errorf("flags %q, want %q (the user's own exclusion kept)", req.Flags, want)
	}
}

// A successor goes behind its predecessor and gets no resume arguments:
// the script asks resume-step when it starts.
func TestSubmitRequestOfSuccessor(t *testing.T) {
	rc := runConfig{Run: &config.Run{Name: "d20", Script: "/s.sh", ResumeArgs: []string{"{step}"}}}
	req := submitRequest(rc, run.Submit{Attempt: 2, FromStep: run.UnknownStep, Tag: "nsv:d20:2:qbeef", After: "100"})
	if got, want := req.Flags, []string{"--no-requeue", "--comment=nsv:d20:2:qbeef", "--dependency=afterany:100"}; !slices.Equal(got, want) {
		t.Errorf("flags = %q, want %q", got, want)
	}
	if len(req.ScriptArgs) != 0 {
		t.Errorf("script args = %q, want none", req.ScriptArgs)
	}
}
