package main

import (
	"reflect"
	"testing"

	"github.com/nanosupervisord/nanosupervisord/pkg/plot"
	"github.com/nanosupervisord/nanosupervisord/pkg/run"
	"github.com/nanosupervisord/nanosupervisord/pkg/trainer"
)

func TestPlotJobs(t *testing.T) {
	tests := []struct {
		name string
		st   run.RunState
		want []plot.Job
	}{
		{
			name: "no job",
			st:   run.NewRunState("d20"),
			want: []plot.Job{},
		},
		{
			name: "adopted fresh start, then resubmitted twice, the last one running",
			st: run.RunState{
				NewestStep: 9500,
				ValBPB:     []trainer.Point{{Step: 9000, Value: 0.8}, {Step: 9750, Value: 0.79}},
				History: []run.JobRecord{
					{ID: "1", Attempt: 0, ResumeStep: run.NoStep, Handled: true, NewestStepAtEnd: 5000, Outcome: "timeout"},
					{ID: "2", Attempt: 1, ResumeStep: 5000, Handled: true, NewestStepAtEnd: 9000, Outcome: "app_failure"},
				},
				Job: &run.JobRecord{ID: "3", Attempt: 2, ResumeStep: 9000, State: "RUNNING"},
			},
			want: []plot.Job{
				{ID: "1", Attempt: 0, From: 0, To: 5000, Outcome: "timeout"},
				{ID: "2", Attempt: 1, From: 5000, To: 9000, Outcome: "app_failure"},
				{ID: "3", Attempt: 2, From: 9000, To: 9750, Outcome: "running"},
			},
		},
		{
			name: "hand-submitted job of unknown resume step follows the previous one; a current job already handled keeps its outcome",
			st: run.RunState{
				NewestStep: 7000,
				History: []run.JobRecord{
					{ID: "1", Attempt: 1, ResumeStep: 2000, Handled: true, NewestStepAtEnd: 4000, Outcome: "timeout"},
					{ID: "2", Attempt: 0, ResumeStep: run.UnknownStep, Handled: true, NewestStepAtEnd: 6000, Outcome: "infra_failure"},
				},
				Job: &run.JobRecord{ID: "3", Attempt: 2, ResumeStep: 6000, State: "CANCELLED by 1000", Handled: true,
					NewestStepAtEnd: 7000, Outcome: "cancelled_by_user"},
			},
			want: []plot.Job{
				{ID: "1", Attempt: 1, From: 2000, To: 4000, Outcome: "timeout"},
				{ID: "2", Attempt: 0, From: 4000, To: 6000, Outcome: "infra_failure"},
				{ID: "3", Attempt: 2, From: 6000, To: 7000, Outcome: "cancelled_by_user"},
			},
		},
		{
			name: "the current job already archived is not drawn twice",
			st: run.RunState{
				History: []run.JobRecord{{ID: "1", Attempt: 1, ResumeStep: 0, Handled: true, NewestStepAtEnd: 500, Outcome: "timeout"}},
				Job:     &run.JobRecord{ID: "1", Attempt: 1, ResumeStep: 0, Handled: true, NewestStepAtEnd: 500, Outcome: "timeout"},
			},
			want: []plot.Job{{ID: "1", Attempt: 1, From: 0, To: 500, Outcome: "timeout"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := plotJobs(tt.st)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}
