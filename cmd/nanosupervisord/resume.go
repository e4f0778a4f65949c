package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/nanosupervisord/nanosupervisord/pkg/ckpt"
	"github.com/nanosupervisord/nanosupervisord/pkg/lease"
	"github.com/nanosupervisord/nanosupervisord/pkg/run"
	"github.com/nanosupervisord/nanosupervisord/pkg/slurm"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor/config"
)

// requestWait bounds how long resume waits for a running daemon to take
// its request.
const requestWait = 60 * time.Second

func newResumeCmd() *cobra.Command {
	var step int
	var dryRun, force bool
	c := &cobra.Command{
		Use:               "resume RUN",
		ValidArgsFunction: completeRuns,
		Short:             "Resubmit a run now, from the newest complete checkpoint (or --step)",
		Long: `resume resubmits RUN once, now: a stopped run (crash loop, cancelled,
completed below target) or one waiting for a job. The failure counters are
reset. With --step N it resumes from step N, which must be complete;
--step 0 starts from scratch (no resume arguments).

A run whose checkpoint directory is missing or unreadable, or whose newest
complete step went backwards, holds: it submits nothing and carries on by
itself once the checkpoints are back. Only an explicit --step resumes it
from what is there now (--step 0: from scratch, into the same directory).

When the daemon is running, resume hands it the request (the daemon stays
the only one that submits) and waits for the answer; otherwise it does the
pass itself. A run whose job may still be live is refused; --force resumes
anyway when you know the recorded state is stale: Slurm is asked first, and
a job found live is followed again, never twinned.`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, a []string) error {
			cfg, rc, err := loadRun(c, a[0])
			if err != nil {
				return err
			}
			req := run.NewRequest(run.RequestResume, rc.Name, time.Now())
			req.Force = force
			if c.Flags().Changed("step") {
				if err := checkStep(c, rc, step); err != nil {
					return err
				}
				req.Step = &step
			}
			var sup *supervisor.Supervisor
			if dryRun {
				// Every check the real resume makes, and the pass that would
				// follow, on plan's supervisor: nothing written or submitted.
				if sup, err = dryRunSupervisor(cfg); err != nil {
					return err
				}
			} else {
				s, err := openOrHand(c, cfg, req)
				if s == nil {
					return err
				}
				defer s.Close()
				sup = s.sup
			}
			before, now := sup.States()[rc.Name].Job, time.Now()
			if err := sup.Resume(now, req); err != nil {
				return withCode(exitError, err)
			}
			res := sup.Tick(context.WithoutCancel(c.Context()))
			if err := res.Errors[rc.Name]; err != nil {
				return withCode(exitError, err)
			}
			if dryRun {
				printDryResume(c.OutOrStdout(), cfg, rc, res.Plans[rc.Name], now)
				return nil
			}
			st := sup.States()[rc.Name]
			if st.Job != nil && st.Phase == run.PhaseRunning && (before == nil || before.Ref() != st.Job.Ref()) {
				fmt.Fprintf(c.OutOrStdout(), "submitted: job %s (attempt %d)\n", printable(st.Job.Ref().String()), st.Job.Attempt)
				return nil
			}
			fmt.Fprintf(c.OutOrStdout(), "run %s is %s (%s); see: nanosupervisord history %s\n", rc.Name, st.Phase, printable(st.Reason), rc.Name)
			return nil
		},
	}
	addFlags(c, configFlag|logFlag)
	c.Flags().IntVar(&step, "step", 0, "resume from this complete step instead of the newest; 0 starts from scratch")
	c.Flags().BoolVar(&dryRun, "dry-run", false, "print the sbatch command; submit nothing")
	c.Flags().BoolVar(&force, "force", false, "resume even if the recorded state says the job may be live")
	return c
}

// printDryResume says what the daemon would do after a resume, by the
// plan of the dry run's pass.
func printDryResume(out io.Writer, cfg *config.Config, rc *config.Run, plan run.Plan, now time.Time) {
	if sub, ok := plan.Submission(); ok {
		r := supervisor.SubmitRequestFor(rc, sub.FromStep, run.PreviewTag(rc.Name, sub.Attempt))
		fmt.Fprintf(out, "in %s: sbatch %s\n", printable(r.Dir), printable(strings.Join(slurm.SbatchArgs(r), " ")))
	} else {
		fmt.Fprintf(out, "run %s would be %s (%s): %s\n", rc.Name, plan.Next.Phase, plan.Next.Reason,
			run.NextAction(plan.Next, supervisor.SpecOf(cfg, rc), now).Text)
	}
	fmt.Fprintln(out, "dry run: nothing submitted")
}

// acceptedWords says what the daemon does with an accepted request.
var acceptedWords = map[string]string{
	run.RequestResume:  "the daemon submits on this pass",
	run.RequestPause:   "the run is paused from this pass on",
	run.RequestUnpause: "the run is unpaused from this pass on",
}

// openOrHand opens a session to apply req in this process. When a daemon
// holds the lease, req is handed to it instead: the session is nil and
// the error is the daemon's answer (nil: accepted).
func openOrHand(c *cobra.Command, cfg *config.Config, req run.Request) (*session, error) {
	s, err := openSession(cfg, commandLogger(c))
	var held *lease.HeldError
	if errors.As(err, &held) {
		return nil, handToDaemon(c, cfg.StateDir, req, held.Holder)
	}
	return s, err
}

// checkStep refuses a --step that is not complete. It warns a fresh start
// (--step 0) about complete steps still in the directory: the fresh run's
// first resubmission would resume from the newest of them, not from its own.
func checkStep(c *cobra.Command, rc *config.Run, step int) error {
	rep, err := ckpt.ScanDir(rc.CheckpointDir, ckpt.Options{Ranks: rc.Ranks})
	if step == 0 {
		if s, ok := rep.NewestComplete(); err == nil && ok {
			fmt.Fprintf(c.ErrOrStderr(), "warning: %s still holds complete steps up to %d: after the fresh start, a resubmission would resume from the newest step there; move them away to start over cleanly\n", printable(rc.CheckpointDir), s.Step)
		}
		return nil
	}
	if err != nil {
		return err
	}
	s, found := rep.Step(step)
	if !found || !s.Complete {
		why := "not found"
		if found {
			why = s.Reason
		}
		return withCode(exitError, fmt.Errorf("step %d in %s is not complete: %s", step, rc.CheckpointDir, why))
	}
	return nil
}

// handToDaemon leaves the request for the running daemon, wakes it when it
// runs on this host, and waits for its answer.
func handToDaemon(c *cobra.Command, stateDir string, req run.Request, holder lease.Holder) error {
	if _, err := supervisor.WriteRequest(stateDir, req); err != nil {
		return err
	}
	if host, _ := os.Hostname(); host == holder.Host && holder.PID > 0 {
		syscall.Kill(holder.PID, syscall.SIGHUP)
	}
	fmt.Fprintf(c.OutOrStdout(), "handed to the running daemon (pid %d on %s)\n", holder.PID, printable(holder.Host))
	result := supervisor.RequestResultPath(stateDir, req.ID)
	deadline := time.Now().Add(requestWait)
	for time.Now().Before(deadline) {
		if data, err := os.ReadFile(result); err == nil {
			os.Remove(result)
			answer := strings.TrimSpace(string(data))
			if msg, bad := strings.CutPrefix(answer, "error: "); bad {
				return withCode(exitError, errors.New(msg))
			}
			fmt.Fprintf(c.OutOrStdout(), "accepted; %s: nanosupervisord history %s\n", acceptedWords[req.Kind], req.Run)
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	return withCode(exitError, fmt.Errorf("the daemon has not taken the request within %s; it stays in %s and is applied at its next pass", requestWait, supervisor.RequestPath(stateDir, req.ID)))
}

func newPauseCmd() *cobra.Command {
	return pauseCmd(run.RequestPause, "paused: observed, never acted upon", "Stop acting on a run: observe it, submit nothing, leave its job alone",
		`pause RUN makes the daemon leave RUN alone: its job is still followed in
sacct and shown by status, but nothing is submitted, adopted or resubmitted,
whatever happens to it. A job running now keeps running: pause is not
scancel. unpause RUN undoes it; an end the job reached meanwhile is then
handled as usual.

A run is paused while pause RUN or the configuration's runs.RUN.paused: true
says so; unpause undoes only the former. A done or stopped run stays done or
stopped.`)
}

func newUnpauseCmd() *cobra.Command {
	return pauseCmd(run.RequestUnpause, "unpaused: the next pass decides afresh", "Undo pause RUN: the daemon acts on the run again",
		`unpause RUN undoes pause RUN: at its next pass the daemon decides afresh,
handling an end the job reached while paused. A run paused in the
configuration (runs.RUN.paused: true) stays paused until that is removed.`)
}

// pauseCmd is pause or unpause, which print done once applied.
func pauseCmd(kind, done, short, long string) *cobra.Command {
	c := &cobra.Command{
		Use:               kind + " RUN",
		Short:             short,
		Long:              long,
		Args:              args(cobra.ExactArgs(1)),
		ValidArgsFunction: completeRuns,
		RunE: func(c *cobra.Command, a []string) error {
			cfg, rc, err := loadRun(c, a[0])
			if err != nil {
				return err
			}
			now := time.Now()
			req := run.NewRequest(kind, rc.Name, now)
			s, err := openOrHand(c, cfg, req)
			if s == nil {
				return err
			}
			defer s.Close()
			if err := s.sup.Apply(now, req); err != nil {
				return withCode(exitError, err)
			}
			fmt.Fprintf(c.OutOrStdout(), "run %s: %s\n", rc.Name, done)
			return nil
		},
	}
	addFlags(c, configFlag|logFlag)
	return c
}
