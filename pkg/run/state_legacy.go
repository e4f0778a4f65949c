package run

import (
	"bytes"
	"encoding/json"
	"slices"
	"time"

	"github.com/nanosupervisord/nanosupervisord/pkg/goodput"
)

// Fields of RunState that earlier versions wrote and this one migrates on
// load. Saves were once followed twice: RunState.Saves for the accounting,
// and for the stall alarm a summary per job (job.saves: its first and last
// save), the newest save's time (last_new_step_at), the gap between the
// last two (checkpoint_gap) and the last job's cadence (cadence). All of it
// is now measured from RunState.Saves alone. The saves of the current and
// the last ended job, which the old summary implied (first to last, one
// every min_gap steps, at the summary's pace), and the newest save's time
// are added to it when missing, so that the cadence measured before the
// upgrade is measured again. The cadence and checkpoint_gap themselves are
// dropped: they are measured again from the record.
type legacyRunState struct {
	LastNewStepAt time.Time         `json:"last_new_step_at"`
	Job           *legacyJobRecord  `json:"job"`
	History       []legacyJobRecord `json:"history"`
}

type legacyJobRecord struct {
	Saves *struct {
		FirstStep int       `json:"first_step"`
		FirstAt   time.Time `json:"first_at"`
		LastStep  int       `json:"last_step"`
		LastAt    time.Time `json:"last_at"`
		MinGap    int       `json:"min_gap"`
	} `json:"saves"`
}

// UnmarshalJSON decodes a run's state, migrating the fields of earlier
// versions (legacyRunState).
func (s *RunState) UnmarshalJSON(data []byte) error {
	type plain RunState
	if err := json.Unmarshal(data, (*plain)(s)); err != nil {
		return err
	}
	if !bytes.Contains(data, []byte(`"last_new_step_at"`)) && !bytes.Contains(data, []byte(`"first_step"`)) {
		return nil
	}
	var old legacyRunState
	if err := json.Unmarshal(data, &old); err != nil {
		return err
	}
	var add []goodput.Checkpoint
	jobs := []*legacyJobRecord{old.Job}
	if n := len(old.History); n > 0 {
		jobs = append(jobs, &old.History[n-1])
	}
	for _, j := range jobs {
		if j != nil && j.Saves != nil {
			add = append(add, impliedSaves(j.Saves.FirstStep, j.Saves.LastStep, j.Saves.MinGap, j.Saves.FirstAt, j.Saves.LastAt)...)
		}
	}
	if !old.LastNewStepAt.IsZero() && s.NewestStep >= 0 {
		add = append(add, goodput.Checkpoint{Step: s.NewestStep, ModTime: old.LastNewStepAt})
	}
	for _, c := range add {
		if c.ModTime.IsZero() || slices.ContainsFunc(s.Saves, func(h goodput.Checkpoint) bool { return h.Step == c.Step }) {
			continue
		}
		s.Saves = append(s.Saves, c)
	}
	if len(add) > 0 {
		slices.SortStableFunc(s.Saves, func(a, b goodput.Checkpoint) int { return a.ModTime.Compare(b.ModTime) })
	}
	return nil
}

// impliedSaves are the saves an old per-job summary stood for: the first,
// then one every gap steps at the pace from first to last, then the last;
// at most maxSaves of them.
func impliedSaves(first, last, gap int, firstAt, lastAt time.Time) []goodput.Checkpoint {
	out := []goodput.Checkpoint{{Step: first, ModTime: firstAt}}
	if last <= first || !lastAt.After(firstAt) {
		return out
	}
	perStep := float64(lastAt.Sub(firstAt)) / float64(last-first)
	if gap > 0 {
		for s := first + gap; s < last && len(out) < maxSaves-1; s += gap {
			out = append(out, goodput.Checkpoint{Step: s, ModTime: firstAt.Add(time.Duration(perStep * float64(s-first)))})
		}
	}
	return append(out, goodput.Checkpoint{Step: last, ModTime: lastAt})
}
