package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/nanosupervisord/nanosupervisord/pkg/run"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor/config"
)

func newTickCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "tick",
		Short: "Run one reconcile pass, then exit (for cron or scrontab)",
		Args:  args(cobra.NoArgs),
		RunE: withSession(func(c *cobra.Command, s *session) error {
			res := s.sup.Tick(c.Context())
			if len(res.Errors) > 0 {
				return withCode(exitError, fmt.Errorf("%d run(s) failed this pass", len(res.Errors)))
			}
			return nil
		}),
	}
	addFlags(c, configFlag|logFlag)
	return c
}

func newPlanCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "plan",
		Short: "Show what tick would do now; changes nothing, submits nothing",
		Args:  args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			cfg, err := loadConfig(c)
			if err != nil {
				return err
			}
			sup, err := dryRunSupervisor(cfg)
			if err != nil {
				return err
			}
			plans := planEntries(cfg, sup.Tick(context.WithoutCancel(c.Context())), time.Now())
			return output(c, plans, func(w io.Writer) {
				for _, p := range plans {
					fmt.Fprintf(w, "%s: %s\n", printable(p.Run), p.text)
				}
			})
		},
	}
	addFlags(c, configFlag|jsonFlag)
	return c
}

type planJSON struct {
	Run     string           `json:"run"`
	Phase   run.Phase        `json:"phase"`
	Reason  string           `json:"reason,omitempty"`
	Actions []map[string]any `json:"actions"`
	Events  []run.Event      `json:"events,omitempty"`
	Next    string           `json:"next,omitempty"`
	Error   string           `json:"error,omitempty"`
	text    string           // what the text output says after the run's name
}

// planEntries are the runs' plans by name; what follows a plan is said by
// supervisor.NextAction, in the same words as status.
func planEntries(cfg *config.Config, res supervisor.PassResult, now time.Time) []planJSON {
	names := append(slices.Collect(maps.Keys(res.Plans)), slices.Collect(maps.Keys(res.Errors))...)
	slices.Sort(names)
	var out []planJSON
	for _, n := range names {
		if err, bad := res.Errors[n]; bad {
			out = append(out, planJSON{Run: n, Error: err.Error(), text: "error: " + printable(err.Error())})
			continue
		}
		p := res.Plans[n]
		pj := planJSON{Run: n, Phase: p.Next.Phase, Reason: p.Next.Reason, Events: p.Events, Actions: []map[string]any{}}
		if rc, ok := cfg.Runs[n]; ok {
			pj.Next = run.NextAction(p.Next, supervisor.SpecOf(cfg, rc), now).Text
		}
		var acts []string
		for _, a := range p.Actions {
			m, t := describeAction(a)
			pj.Actions = append(pj.Actions, m)
			if t != "" {
				acts = append(acts, t)
			}
		}
		if len(acts) == 0 {
			acts = []string{cmp.Or(pj.Next, "nothing")}
		}
		pj.text = fmt.Sprintf("%s (%s): %s", pj.Phase, printable(pj.Reason), printable(strings.Join(acts, "; ")))
		out = append(out, pj)
	}
	return out
}

// describeAction is an action as plan --json prints it, and what plan's
// text says of it when it calls Slurm ("" for the others).
func describeAction(a run.Action) (map[string]any, string) {
	switch a := a.(type) {
	case run.Submit:
		m := map[string]any{"action": "submit", "attempt": a.Attempt, "from_step": a.FromStep, "tag": a.Tag}
		switch {
		case a.After != "":
			m["after"] = a.After
			return m, fmt.Sprintf("would queue attempt %d behind job %v", a.Attempt, a.After)
		case a.FromStep == run.NoStep:
			return m, fmt.Sprintf("would submit attempt %d fresh", a.Attempt)
		}
		return m, fmt.Sprintf("would submit attempt %d resuming from step %d", a.Attempt, a.FromStep)
	case run.Adopt:
		return map[string]any{"action": "adopt", "job_id": a.JobID, "reason": a.Reason}, fmt.Sprintf("would adopt job %v", a.JobID)
	case run.Wait:
		m := map[string]any{"action": "wait", "reason": a.Reason}
		if !a.Until.IsZero() {
			m["until"] = a.Until
		}
		return m, ""
	case run.Cancel:
		return map[string]any{"action": "cancel", "job_id": a.JobID, "reason": a.Reason}, fmt.Sprintf("would cancel job %v (%v)", a.JobID, a.Reason)
	case run.Complete:
		return map[string]any{"action": "complete", "reason": a.Reason}, ""
	case run.Stop:
		return map[string]any{"action": "stop", "reason": a.Reason}, ""
	}
	return map[string]any{"action": fmt.Sprintf("%T", a)}, ""
}
