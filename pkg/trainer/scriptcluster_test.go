package trainer

import "testing"

func TestScriptCluster(t *testing.T) {
	tests := []struct{ script, want string }{
		{"#!/bin/bash\n#SBATCH -J d20\n", ""},
		{"#!/bin/bash\n#SBATCH -M snowy\n", "snowy"},
		{"#!/bin/bash\n#SBATCH -Msnowy\n", "snowy"},
		{"#!/bin/bash\n#SBATCH --clusters=snowy\n", "snowy"},
		{"#!/bin/bash\n#SBATCH --clusters snowy\n", "snowy"},
		{"#!/bin/bash\n#SBATCH --cluster=snowy\n", "snowy"},
		{"#!/bin/bash\n#SBATCH -A proj -M snowy -p node\n", "snowy"},
		{"#!/bin/bash\necho hi\n#SBATCH -M snowy\n", ""}, // after the first command: ignored by sbatch
		{"#!/bin/bash\n# SBATCH -M snowy\n", ""},
	}
	for _, tt := range tests {
		if got := ScriptCluster([]byte(tt.script)); got != tt.want {
			t.Errorf("ScriptCluster(%q) = %q, want %q", tt.script, got, tt.want)
		}
	}
	if got := FlagsCluster([]string{"--time=1:00:00", "-M", "rackham"}); got != "rackham" {
		t.Errorf("FlagsCluster: got %q, want rackham", got)
	}
}
