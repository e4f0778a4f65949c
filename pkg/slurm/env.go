package slurm

import (
	"slices"
	"strings"
)

// JobEnv are the variables Slurm sets in a job's environment, and sbatch's
// input variables, as patterns for Command.Drop. A daemon that runs inside
// a Slurm job (tick under scrontab) inherits its own job's SLURM_JOB_ID,
// SLURM_JOB_NAME, SBATCH_TIMELIMIT ...; sbatch would read the SBATCH_ ones
// as options and export all of them into the job it submits, which then
// sees the scrontab job's id and limits as its own.
var JobEnv = []string{"SLURM_*", "SBATCH_*"}

// keptJobEnv are kept however they match JobEnv: where the Slurm
// configuration is (sites without it in /etc/slurm set it for everyone).
var keptJobEnv = map[string]bool{"SLURM_CONF": true}

// dropEnv returns env without the entries whose names match one of drop
// (a name, or a prefix ending in '*'), keeping keptJobEnv.
func dropEnv(env, drop []string) []string {
	if len(drop) == 0 {
		return env
	}
	return slices.DeleteFunc(slices.Clone(env), func(kv string) bool {
		name, _, _ := strings.Cut(kv, "=")
		return !keptJobEnv[name] && slices.ContainsFunc(drop, func(p string) bool {
			prefix, wild := strings.CutSuffix(p, "*")
			return wild && strings.HasPrefix(name, prefix) || p == name
		})
	})
}
