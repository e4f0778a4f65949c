package slurm

import "testing"

func TestParseState(t *testing.T) {
	tests := []struct {
		in       string
		wantName StateName
		wantBy   string
	}{
		{"COMPLETED", StateCompleted, ""},
		{"CANCELLED by 0", StateCancelled, "0"},
		{"CANCELLED by 1000", StateCancelled, "1000"},
		{"CANCELLED+", StateCancelled, ""},
		{"OUT_OF_ME+", StateOutOfMemory, ""},
		{"NODE_FAIL", StateNodeFail, ""},
		{" RUNNING ", StateRunning, ""},
		{"running", StateRunning, ""},
		{"RE+", "RE+", ""}, // REQUEUED, REVOKED, RESIZING...: ambiguous, kept
		{"FANCY_NEW_STATE", "FANCY_NEW_STATE", ""},
		{"", "", ""},
	}
	for _, tt := range tests {
		got := ParseState(tt.in)
		if got.Name != tt.wantName || got.By != tt.wantBy || got.Raw != tt.in {
			t.Errorf("ParseState(%q) = %+v, want name %q by %q raw %q", tt.in, got, tt.wantName, tt.wantBy, tt.in)
		}
	}
}

func TestStateTerminal(t *testing.T) {
	terminal := map[StateName]bool{
		StateCompleted: true, StateFailed: true, StateTimeout: true, StateCancelled: true,
		StateOutOfMemory: true, StateNodeFail: true, StatePreempted: true, StateBootFail: true,
		StateDeadline: true, StateRevoked: true,
	}
	for _, name := range append(knownStates, "SOMETHING_ELSE", "") {
		if got := (State{Name: name}).Terminal(); got != terminal[name] {
			t.Errorf("%q.Terminal() = %v, want %v", name, got, terminal[name])
		}
	}
	if !ParseState("CANCELLED by 0").Terminal() {
		t.Error(`"CANCELLED by 0" is not terminal, want terminal`)
	}
}

func TestStateString(t *testing.T) {
	tests := []struct {
		s    State
		want string
	}{
		{State{Name: StateCancelled, By: "1000", Raw: "CANCELLED+"}, "CANCELLED by 1000"},
		{State{Name: StateRunning}, "RUNNING"},
		{State{}, ""},
	}
	for _, tt := range tests {
		if got := tt.s.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.s, got, tt.want)
		}
	}
}
