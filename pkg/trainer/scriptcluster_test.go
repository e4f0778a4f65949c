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
		{"#!/bin/bash\n#SBATCH --cluster=rackham\n#SBATCH -M snowy\n", "snowy"},
		{"#!/bin/bash\necho hi\n#SBATCH -M snowy\n", ""}, // after the first command: ignored by sbatch
		{"#!/bin/bash\n# SBATCH -M snowy\n", ""},
	}
	for _, tt := range tests {
		if got := ScriptCluster([]byte(tt.script)); got != tt.want {
			t.Errorf("ScriptCluster(%q) = %q, want %q", tt.script, got, tt.want)
		}
	}
}

// sbatch reads -M, --clusters and --cluster as one option: whichever comes
// last wins.
func TestFlagsCluster(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{nil, ""},
		{[]string{"--time=1:00:00", "-M", "rackham"}, "rackham"},
		{[]string{"-Mrackham"}, "rackham"},
		{[]string{"--clusters=rackham"}, "rackham"},
		{[]string{"--clusters", "rackham"}, "rackham"},
		{[]string{"--cluster=rackham"}, "rackham"},
		{[]string{"--cluster", "rackham"}, "rackham"},
		{[]string{"--cluster=snowy", "-M", "rackham"}, "rackham"},
		{[]string{"--cluster", "snowy", "-Mrackham"}, "rackham"},
		{[]string{"--cluster=snowy", "--clusters=rackham"}, "rackham"},
		{[]string{"-M", "snowy", "--cluster=rackham"}, "rackham"},
		{[]string{"--clusters=snowy", "--cluster", "rackham"}, "rackham"},
		{[]string{"-M", "snowy", "--", "--cluster=rackham"}, "snowy"},
		{[]string{"--clusterx=snowy", "--cluster"}, ""},
	}
	for _, tt := range tests {
		if got := FlagsCluster(tt.args); got != tt.want {
			t.Errorf("FlagsCluster(%q) = %q, want %q", tt.args, got, tt.want)
		}
	}
}
