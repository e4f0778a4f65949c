package slurm

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseSbatchCaptures(t *testing.T) {
	tests := []struct{ file, want string }{
		{"sbatch_plain.txt", "40"},
		{"sbatch_cluster.txt", "41"},
		{"sbatch_array.txt", "12"},
	}
	for _, tt := range tests {
		got, err := parseSbatchID(readTestdata(t, tt.file))
		if err != nil || got != tt.want {
			t.Errorf("%s: got %q, %v; want %q", tt.file, got, err, tt.want)
		}
	}
}

func TestParseSbatchRejects(t *testing.T) {
	tests := []struct{ out, wantQuote string }{
		{"", `""`},
		{"   \n", `""`},
		{"Submitted batch job 40\n", `"Submitted batch job 40"`},
		{"40\n41\n", `"40\n41"`},
		{"40;\n", `"40;"`},
		{"-40\n", `"-40"`},
		{"40;lab;x\n", `"40;lab;x"`},
		{"12345678901\n", `"12345678901"`},
		{"sbatch: error: Batch job submission failed\n", `"sbatch: error: Batch job submission failed"`},
	}
	for _, tt := range tests {
		got, err := parseSbatchID([]byte(tt.out))
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("parseSbatchID(%q): got %q, %v; want a *ParseError", tt.out, got, err)
			continue
		}
		if !strings.Contains(err.Error(), tt.wantQuote) || !strings.HasPrefix(err.Error(), "sbatch output") {
			t.Errorf("parseSbatchID(%q): error %q does not quote %s", tt.out, err, tt.wantQuote)
		}
		if !SubmitMayHaveCreatedJob(err) {
			t.Errorf("parseSbatchID(%q): SubmitMayHaveCreatedJob = false, want true after sbatch exited 0", tt.out)
		}
	}
}

func TestSbatchArgs(t *testing.T) {
	tests := []struct {
		req  SubmitRequest
		want []string
	}{
		{SubmitRequest{Script: "train.sh"}, []string{"--parsable", "train.sh"}},
		{SubmitRequest{Script: "runs/train.sh", ScriptArgs: []string{"2000", "--flag"}, Flags: []string{"-J", "d20", "--comment=nsv:d20:3"}},
			[]string{"--parsable", "-J", "d20", "--comment=nsv:d20:3", "runs/train.sh", "2000", "--flag"}},
	}
	for _, tt := range tests {
		if got := SbatchArgs(tt.req); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("SbatchArgs(%+v): got %q, want %q", tt.req, got, tt.want)
		}
	}
}

// parseSbatchID is ParseSbatchJob's job id alone.
func parseSbatchID(out []byte) (string, error) {
	job, err := ParseSbatchJob(out)
	return job.ID, err
}
