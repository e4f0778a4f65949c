package main

import (
	"cmp"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/nanosupervisord/nanosupervisord/pkg/ckpt"
	"github.com/nanosupervisord/nanosupervisord/pkg/run"
	"github.com/nanosupervisord/nanosupervisord/pkg/slurm"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor"
	"github.com/nanosupervisord/nanosupervisord/pkg/supervisor/config"
	"github.com/nanosupervisord/nanosupervisord/pkg/trainer"
)

func newStatusCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "status",
		Short: "Show where every run stands",
		Long: `status reads the daemon's state (it needs no running daemon and changes
nothing) and prints one line per configured run: phase, current job and its
Slurm state, the step it resumed from, the newest complete checkpoint, the
latest val_bpb and CORE against the targets, attempts, and what comes next.
Under the table, per run: checkpoint storage, goodput, and the --save-every
advice of report RUN when the current interval is not already right (or is,
but a resume from some of its saves repeats a CORE evaluation).`,
		Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			cfg, states, err := loadStates(c)
			if err != nil {
				return err
			}
			observed, err := supervisor.LoadObserved(cfg.StateDir)
			if err != nil {
				return err
			}
			rows := statusRows(cfg, states, observed, time.Now())
			return output(c, rows, func(w io.Writer) { printStatus(w, rows) })
		},
	}
	addFlags(c, configFlag|jsonFlag)
	return c
}

type statusRow struct {
	Run           string          `json:"run"`
	Phase         run.Phase       `json:"phase"`
	Reason        string          `json:"reason,omitempty"`
	JobID         string          `json:"job_id,omitempty"`
	Cluster       string          `json:"cluster,omitempty"` // the job's cluster when not the local one
	SlurmState    string          `json:"slurm_state,omitempty"`
	PendingReason string          `json:"pending_reason,omitempty"`
	PendingSince  *time.Time      `json:"pending_since,omitempty"`
	ResumeStep    *int            `json:"resume_step,omitempty"`
	NewestStep    *int            `json:"newest_step,omitempty"`
	ValBPB        *trainer.Point  `json:"val_bpb,omitempty"`
	Core          *trainer.Point  `json:"core_metric,omitempty"`
	Targets       trainer.Targets `json:"targets"`
	Attempts      int             `json:"attempts"`
	MaxAttempt    int             `json:"max_attempts"`
	Elapsed       string          `json:"elapsed,omitempty"`
	TimeLimit     string          `json:"time_limit,omitempty"`
	Suspect       []int           `json:"suspect_steps,omitempty"`
	CkptBytes     int64           `json:"checkpoint_bytes"`
	FreeBytes     *int64          `json:"free_bytes,omitempty"`
	Next          string          `json:"next"`
	ETASeconds    *int64          `json:"eta_seconds,omitempty"`
	NextAt        *time.Time      `json:"next_at,omitempty"`
	// ObservedAt is when the daemon last saw Slurm answer for the run:
	// everything in the row is at least this old.
	ObservedAt *time.Time `json:"observed_at,omitempty"`
	AgeSeconds *int64     `json:"age_seconds,omitempty"`

	// Hold says why nothing is submitted while the checkpoints are
	// missing, unreadable or went backwards; nil when they are fine.
	Hold *run.CheckpointHold `json:"hold,omitempty"`
	// Goodput and hours of the run's jobs (report RUN has them per job).
	Unit       string   `json:"unit,omitempty"`
	AllocHours float64  `json:"alloc_hours"`
	LostHours  float64  `json:"lost_hours"`
	Goodput    *float64 `json:"goodput,omitempty"`
	// Advice is the --save-every advice report RUN gives; nil when the
	// run's history does not allow one.
	Advice *advice `json:"advice,omitempty"`
}

func statusRows(cfg *config.Config, states map[string]run.RunState, observed map[string]time.Time, now time.Time) []statusRow {
	var rows []statusRow
	for _, name := range cfg.RunNames() {
		rc := cfg.Runs[name]
		st := stateOf(states, name)
		m := trainer.MetricsAtOrBefore(st.ValBPB, st.Core, st.NewestStep)
		acct := run.AccountRun(st, now)
		r := statusRow{Run: name, Phase: st.Phase, Reason: st.Reason, Targets: rc.Targets,
			Attempts: st.Attempts, MaxAttempt: rc.Policy.MaxAttempts,
			NewestStep: unless(st.NewestStep, run.NoStep), ValBPB: m.ValBPB, Core: m.Core, Hold: st.Hold,
			CkptBytes: ckpt.UsedBytes(rc.CheckpointDir), FreeBytes: unless(ckpt.FreeBytes(rc.CheckpointDir), -1),
			Unit: acct.Unit, AllocHours: acct.AllocHours, LostHours: acct.LostHours, Goodput: acct.Goodput,
			Advice: saveAdvice(st, acct)}
		if (rc.Paused || st.Paused) && !st.Phase.Terminal() {
			r.Phase = run.PhasePaused
		}
		if j := st.Job; j != nil {
			r.JobID, r.Cluster, r.SlurmState, r.PendingReason = j.ID, j.Cluster, j.State, j.PendingReason
			if j.PendingReason != "" && !j.PendingSince.IsZero() {
				r.PendingSince = &j.PendingSince
			}
			r.ResumeStep = unless(j.ResumeStep, run.UnknownStep)
			if !j.Handled || !j.End.IsZero() {
				// A job whose end was handled without an end time is no
				// longer watched: its time would be a guess.
				r.Elapsed, r.TimeLimit = jobTimes(j, now)
			}
		}
		for _, sus := range st.Suspect {
			r.Suspect = append(r.Suspect, sus.Step)
		}
		if t, ok := observed[name]; ok {
			age := int64(max(now.Sub(t), 0) / time.Second)
			r.ObservedAt, r.AgeSeconds = &t, &age
		}
		next := run.NextAction(st, supervisor.SpecOf(cfg, rc), now)
		r.Next = next.Text
		if !next.At.IsZero() {
			r.NextAt = &next.At
		}
		if next.ETA > 0 && r.Phase == run.PhaseRunning {
			secs := int64(next.ETA / time.Second)
			r.ETASeconds = &secs
			r.Next += "; targets in ~" + shortDuration(next.ETA)
		}
		rows = append(rows, r)
	}
	return rows
}

func printStatus(w io.Writer, rows []statusRow) {
	tw := newTable(w, "RUN\tPHASE\tJOB\tSTATE\tTIME\tRESUME\tNEWEST\tVAL_BPB\tCORE\tTRIES\tAGE\tNEXT")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d/%d\t%s\t%s\n", printable(r.Run), r.Phase, printable(cmp.Or(slurm.JobRef{ID: r.JobID, Cluster: r.Cluster}.String(), "-")),
			printable(cmp.Or(shortState(r.SlurmState), "-")), elapsedOfLimit(r), intOrDash(r.ResumeStep), intOrDash(r.NewestStep),
			metric(r.ValBPB, r.Targets.ValBPB, "<="), metric(r.Core, r.Targets.CoreMetric, ">="),
			r.Attempts, r.MaxAttempt, secondsText(r.AgeSeconds), printable(r.Next))
	}
	tw.Flush()
	for _, r := range rows {
		free := "unknown"
		if r.FreeBytes != nil {
			free = humanBytes(*r.FreeBytes)
		}
		fmt.Fprintf(w, "%s: %s in checkpoints, %s free there\n", printable(r.Run), humanBytes(r.CkptBytes), free)
		if r.Unit != "" {
			fmt.Fprintf(w, "%s: goodput %s of %s %s-hours; %s %s-hours of training lost\n", printable(r.Run),
				percent(r.Goodput), hours(r.AllocHours), printable(r.Unit), hours(r.LostHours), printable(r.Unit))
		}
		if a := r.Advice; a != nil && (!a.Keep || a.ShiftedFrom > 0) {
			// A --save-every that is already right is not worth a line,
			// unless a resume from its saves repeats CORE.
			fmt.Fprintf(w, "%s: %s\n", printable(r.Run), printable(a.Text))
		}
		if len(r.Suspect) > 0 {
			fmt.Fprintf(w, "%s: not resuming from suspect step(s) %v (two attempts died there); rewrite or delete them to clear\n", printable(r.Run), r.Suspect)
		}
		if h := r.Hold; h != nil {
			fmt.Fprintf(w, "%s: %s, since %s: nothing is submitted until the checkpoints are back, or: nanosupervisord resume %s --step N (0: from scratch)\n",
				printable(r.Run), printable(h.Describe()), h.Since.Local().Format(time.DateTime), printable(r.Run))
		}
	}
}

func intOrDash(p *int) string {
	if p == nil || *p < 0 {
		return "-"
	}
	return strconv.Itoa(*p)
}

// shortState keeps the table narrow: "CANCELLED by 1000" → "CANCELLED".
func shortState(s string) string {
	if i := strings.IndexByte(s, ' '); i > 0 {
		return s[:i]
	}
	return s
}

// metric prints "0.812/0.75" (value/target), marking a met target with *.
func metric(p *trainer.Point, target *float64, op string) string {
	v := "-"
	if p != nil {
		v = strconv.FormatFloat(p.Value, 'f', 3, 64)
	}
	if target == nil {
		return v
	}
	v += "/" + strconv.FormatFloat(*target, 'f', -1, 64)
	if p != nil && (op == "<=" && p.Value <= *target || op == ">=" && p.Value >= *target) {
		v += "*"
	}
	return v
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// jobTimes is how long the job has run (to its end, or now) and its limit.
func jobTimes(j *run.JobRecord, now time.Time) (elapsed, limit string) {
	if !j.Start.IsZero() {
		end := now
		if !j.End.IsZero() {
			end = j.End
		}
		elapsed = shortDuration(end.Sub(j.Start))
	}
	if j.TimeLimit > 0 {
		limit = shortDuration(j.TimeLimit)
	}
	return elapsed, limit
}

// elapsedOfLimit prints "1h05m/2h", or what is known of it.
func elapsedOfLimit(r statusRow) string {
	if r.Elapsed == "" {
		return "-"
	}
	return strings.TrimSuffix(r.Elapsed+"/"+r.TimeLimit, "/")
}

// shortDuration prints 3h12m, 45m, 30s: narrow enough for a phone.
func shortDuration(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d >= time.Hour:
		h, m := d/time.Hour, (d%time.Hour)/time.Minute
		if m == 0 {
			return fmt.Sprintf("%dh", h)
		}
		return fmt.Sprintf("%dh%02dm", h, m)
	case d >= time.Minute:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return fmt.Sprintf("%ds", d/time.Second)
}
