package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/nanosupervisord/nanosupervisord/pkg/ckpt"
	"github.com/nanosupervisord/nanosupervisord/pkg/slurm"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor/lease"
)

// requestWait bounds how long resume waits for a running daemon to take
// its request.
const requestWait = 60 * time.Second

func newResumeCmd() *cobra.Command {
	var path, logFormat string
	var step int
	var dryRun, force bool
	c := &cobra.Command{
		Use:   "resume RUN",
		Short: "Resubmit a run now, from the newest complete checkpoint (or --step)",
		Long: `resume resubmits RUN once, now: a stopped run (crash loop, cancelled,
completed below target) or one waiting for a job. The failure counters are
reset. With --step N it resumes from step N, which must be complete.

When the daemon is running, resume hands it the request (the daemon stays
the only one that submits) and waits for the answer; otherwise it does the
pass itself. A run whose job may still be live is refused; --force resumes
anyway when you know the recorded state is stale: Slurm is asked first, and
a job found live is followed again, never twinned.`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, a []string) error {
			cfg, err := loadConfig(path, c.ErrOrStderr())
			if err != nil {
				return err
			}
			run, ok := cfg.Runs[a[0]]
			if !ok {
				return withCode(exitError, fmt.Errorf("no run %q in %s", a[0], cfg.Path))
			}
			req := supervisor.Request{ID: fmt.Sprintf("resume-%s-%d", run.Name, time.Now().UnixNano()), Kind: supervisor.RequestResume, Run: run.Name, At: time.Now(), Force: force}
			from := supervisor.NoStep
			if c.Flags().Changed("step") {
				rep, err := ckpt.ScanDir(run.CheckpointDir, ckpt.Options{Ranks: run.Ranks})
				if err != nil {
					return err
				}
				s, found := rep.Step(step)
				if !found || !s.Complete {
					why := "not found"
					if found {
						why = s.Reason
					}
					return withCode(exitError, fmt.Errorf("step %d in %s is not complete: %s", step, run.CheckpointDir, why))
				}
				req.Step, from = &step, step
			} else if rep, err := ckpt.ScanDir(run.CheckpointDir, ckpt.Options{Ranks: run.Ranks}); err == nil {
				if s, ok := rep.NewestComplete(); ok {
					from = s.Step
				}
			}
			sub := supervisor.SubmitRequestFor(run, from, "nsv:"+run.Name+":N:…")
			fmt.Fprintf(c.OutOrStdout(), "in %s: sbatch %s\n", sub.Dir, strings.Join(slurm.SbatchArgs(sub), " "))
			if dryRun {
				fmt.Fprintln(c.OutOrStdout(), "dry run: nothing submitted")
				return nil
			}
			s, err := openSession(cfg, newLogger(c.ErrOrStderr(), logFormat))
			var held *lease.HeldError
			if errors.As(err, &held) {
				return handToDaemon(c, cfg.StateDir, req, held.Holder)
			}
			if err != nil {
				return err
			}
			defer s.Close()
			before := s.sup.States()[run.Name].Job
			if err := s.sup.Resume(time.Now(), req); err != nil {
				return withCode(exitError, err)
			}
			res := s.sup.Tick(context.WithoutCancel(c.Context()))
			if err := res.Errors[run.Name]; err != nil {
				return withCode(exitError, err)
			}
			st := s.sup.States()[run.Name]
			if st.Job != nil && st.Phase == supervisor.PhaseRunning && (before == nil || before.Ref() != st.Job.Ref()) {
				fmt.Fprintf(c.OutOrStdout(), "submitted: job %s (attempt %d)\n", st.Job.Ref(), st.Job.Attempt)
				return nil
			}
			fmt.Fprintf(c.OutOrStdout(), "run %s is %s (%s); see: nanosupervisord history %s\n", run.Name, st.Phase, st.Reason, run.Name)
			return nil
		},
	}
	configFlag(c, &path)
	logFlag(c, &logFormat)
	c.Flags().IntVar(&step, "step", 0, "resume from this complete step instead of the newest")
	c.Flags().BoolVar(&dryRun, "dry-run", false, "print the sbatch command; submit nothing")
	c.Flags().BoolVar(&force, "force", false, "resume even if the recorded state says the job may be live")
	return c
}

// handToDaemon leaves the request for the running daemon, wakes it when it
// runs on this host, and waits for its answer.
func handToDaemon(c *cobra.Command, stateDir string, req supervisor.Request, holder lease.Holder) error {
	if _, err := supervisor.WriteRequest(stateDir, req); err != nil {
		return err
	}
	if host, _ := os.Hostname(); host == holder.Host && holder.PID > 0 {
		syscall.Kill(holder.PID, syscall.SIGHUP)
	}
	fmt.Fprintf(c.OutOrStdout(), "handed to the running daemon (pid %d on %s)\n", holder.PID, holder.Host)
	result := supervisor.RequestResultPath(stateDir, req.ID)
	deadline := time.Now().Add(requestWait)
	for time.Now().Before(deadline) {
		if data, err := os.ReadFile(result); err == nil {
			os.Remove(result)
			answer := strings.TrimSpace(string(data))
			if msg, bad := strings.CutPrefix(answer, "error: "); bad {
				return withCode(exitError, errors.New(msg))
			}
			fmt.Fprintf(c.OutOrStdout(), "accepted; the daemon submits on this pass: nanosupervisord history %s\n", req.Run)
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	return withCode(exitError, fmt.Errorf("the daemon has not taken the request within %s; it stays in %s and is applied at its next pass", requestWait, supervisor.RequestPath(stateDir, req.ID)))
}
