package main

import "testing"

func TestAutoFormat(t *testing.T) {
	tests := []struct {
		journal, terminal bool
		want              string
	}{
		{true, false, logJournal},
		{true, true, logJournal},
		{false, true, logConsole},
		{false, false, logJSON},
	}
	for _, tt := range tests {
		if got := autoFormat(tt.journal, tt.terminal); got != tt.want {
			t.Errorf("autoFormat(journal=%v, terminal=%v) = %q, want %q", tt.journal, tt.terminal, got, tt.want)
		}
	}
}
