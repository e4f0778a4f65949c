package main

import (
	"github.com/nanosupervisord/nanosupervisord/pkg/goodput"
	"github.com/nanosupervisord/nanosupervisord/pkg/run"
)

// advice is the --save-every advice as --json prints it, durations in
// seconds, with the sentence the text outputs print.
type advice struct {
	SaveEvery        int     `json:"save_every"`
	Current          int     `json:"current_save_every,omitempty"`
	SavesPerJob      int     `json:"saves_per_job"`
	LossNow          float64 `json:"timeout_loss_now_seconds,omitempty"`
	LossNowSteps     int     `json:"timeout_loss_now_steps,omitempty"`
	LossAdvised      float64 `json:"timeout_loss_advised_seconds"`
	LossAdvisedSteps int     `json:"timeout_loss_advised_steps"`
	Keep             bool    `json:"keep,omitempty"`
	AtRisk           bool    `json:"at_risk,omitempty"`
	// The run's evaluation cadences, and how many of save_every's save
	// steps are evaluation steps, which a resume repeats; shifted_from is
	// the interval save_every was moved off evaluation steps from.
	EvalEvery   int             `json:"eval_every,omitempty"`
	CoreEvery   int             `json:"core_metric_every,omitempty"`
	Repeats     goodput.Repeats `json:"repeats,omitzero"`
	ShiftedFrom int             `json:"shifted_from,omitempty"`
	RepeatsFrom goodput.Repeats `json:"repeats_shifted_from,omitzero"`
	Text        string          `json:"text"`
}

// saveAdvice is the run's --save-every advice, nil when its history does
// not allow one. report, status and check-config all take it from here,
// so they never disagree.
func saveAdvice(st run.RunState, acct goodput.RunAccount) *advice {
	adv, ok := run.AdviseSaveEvery(st, acct)
	if !ok {
		return nil
	}
	return &advice{SaveEvery: adv.SaveEvery, Current: adv.Current, SavesPerJob: adv.SavesPerJob,
		LossNow: adv.LossNow.Seconds(), LossNowSteps: adv.LossNowSteps, LossAdvised: adv.LossAdvised.Seconds(),
		LossAdvisedSteps: adv.LossAdvisedSteps, Keep: adv.Keep, AtRisk: adv.AtRisk, EvalEvery: adv.EvalEvery, CoreEvery: adv.CoreEvery,
		Repeats: adv.Repeats, ShiftedFrom: adv.ShiftedFrom, RepeatsFrom: adv.RepeatsFrom, Text: adv.String()}
}
