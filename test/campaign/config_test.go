package campaign

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// configVariant is what good config edits change: nothing that decides
// anything, only how often and how patiently the daemon works.
type configVariant struct {
	poll       string // poll_interval
	maxBackoff string // every run's policy.max_backoff
}

// goodVariants are the configs a good edit switches between.
var goodVariants = []configVariant{
	{poll: "2s", maxBackoff: "4s"},
	{poll: "1s", maxBackoff: "4s"},
	{poll: "3s", maxBackoff: "3s"},
	{poll: "2s", maxBackoff: "2s"},
}

// Targets: with the simulator's default curve (tau = steps/4) val_bpb
// falls to 0.715 at about 88% of the steps and CORE rises to 0.24 at
// about 81%, so a run reaches them in its last evaluations.
const (
	targetValBPB = 0.715
	targetCore   = 0.24
)

// text is the campaign's config.yaml in this variant.
func (v configVariant) text(c *campaign) string {
	var b strings.Builder
	fmt.Fprintf(&b, "poll_interval: %s\nstate_dir: %s\n", v.poll, strconv.Quote(c.stateDir))
	fmt.Fprintf(&b, "slurm:\n  bin_dir: %s\n  command_timeout: %s\n", strconv.Quote(c.binDir), commandTimeout)
	b.WriteString("runs:\n")
	for _, r := range c.active() {
		fmt.Fprintf(&b, "  %s:\n", r.name)
		fmt.Fprintf(&b, "    script: %s\n", strconv.Quote(lab.RepoRoot+"/deploy/demo/train_d20_sim.sh"))
		fmt.Fprintf(&b, "    workdir: %s\n", strconv.Quote(r.dir))
		fmt.Fprintf(&b, "    checkpoint_dir: %s\n", strconv.Quote(r.ckpt))
		fmt.Fprintf(&b, "    job_name: %s\n", strconv.Quote(r.name))
		b.WriteString("    log: \"slurm-%j.out\"\n    start: submit\n")
		// Niced, so that the campaign's jobs give way to other tests'
		// jobs on a shared cluster.
		b.WriteString("    sbatch_args: [\"--nice=100\", \"--mem=256M\"]\n")
		fmt.Fprintf(&b, "    targets: {val_bpb: %g, core_metric: %g}\n", targetValBPB, targetCore)
		fmt.Fprintf(&b, "    policy: {max_attempts: 10000, max_failures_without_progress: 10000, backoff: 1s, max_backoff: %s}\n", v.maxBackoff)
		b.WriteString("    env:\n")
		env := map[string]string{
			"NSV_SIMTRAIN":               lab.SimBin,
			"SIMTRAIN_CHECKPOINT_DIR":    r.ckpt,
			"SIMTRAIN_NUM_ITERATIONS":    strconv.Itoa(trainSteps),
			"SIMTRAIN_STEP_TIME":         fmt.Sprint(stepTime),
			"SIMTRAIN_SAVE_EVERY":        strconv.Itoa(saveEvery),
			"SIMTRAIN_SAVE_SECONDS":      "0.5",
			"SIMTRAIN_EVAL_EVERY":        strconv.Itoa(saveEvery),
			"SIMTRAIN_CORE_METRIC_EVERY": strconv.Itoa(saveEvery),
			"SIMTRAIN_MODEL_BYTES":       "32768",
			"SIMTRAIN_LOG_EVERY":         "10",
		}
		keys := make([]string, 0, len(env))
		for k := range env {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "      %s: %s\n", k, strconv.Quote(env[k]))
		}
	}
	return b.String()
}

// badEdits turn a good config into one the daemon must reject, keeping
// the one it runs with: a typo in a key, an impossible value, and a file
// cut short in the middle of a save by an editor that writes in place.
var badEdits = []struct {
	name string
	edit func(good string) string
}{
	{"unknown_key", func(g string) string { return strings.Replace(g, "poll_interval:", "poll_intervall:", 1) }},
	{"ranks_zero", func(g string) string {
		return strings.Replace(g, "    start: submit\n", "    start: submit\n    ranks: 0\n", 1)
	}},
	{"cut_short", func(g string) string { return g[:len(g)*2/3] + "\n  broken: [\n" }},
}
