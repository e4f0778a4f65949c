package fakeslurm

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// submission is what sbatch settles on before asking the controller.
type submission struct {
	job      Job
	content  []byte // the batch script, as sbatch read it
	parsable bool
	cluster  string
}

// noShebangStderr is sbatch's refusal of a script without "#!".
const noShebangStderr = "sbatch: error: This does not look like a batch script.  The first\n" +
	"sbatch: error: line must start with #! followed by the path to an interpreter.\n" +
	"sbatch: error: For instance: #!/bin/sh\n"

// sbatch submits a job and prints its id. With a Create fault the job is
// created but the call fails as if the reply was lost.
func (e *env) sbatch(args []string, out *bytes.Buffer, f *Fault) int {
	sub, rc := e.prepareSubmission(args)
	if rc != 0 {
		e.logSbatch(args, "", rc)
		return rc
	}
	var created *Job
	err := e.update(func(w *world) error {
		if d := sub.job.AfterAny; d != 0 && w.job(d) == nil {
			return errDependency
		}
		created = e.createJob(w, sub)
		return nil
	})
	if err == errDependency {
		e.logSbatch(args, "", 1)
		fmt.Fprint(e.stderr, dependencyStderr)
		return 1
	}
	if err != nil {
		e.logSbatch(args, "", 1)
		return e.internalError(err)
	}
	id := strconv.Itoa(created.ID)
	if f != nil {
		e.logSbatch(args, id, f.RC)
		return e.printFault(f, args)
	}
	e.logSbatch(args, id, 0)
	switch {
	case sub.parsable && sub.cluster != "":
		fmt.Fprintf(out, "%s;%s\n", id, sub.cluster)
	case sub.parsable:
		fmt.Fprintf(out, "%s\n", id)
	default:
		fmt.Fprintf(out, "Submitted batch job %s\n", id)
	}
	return 0
}

// prepareSubmission parses the command line and the script, and checks
// what real sbatch checks before submitting. It prints sbatch's own error
// text and returns a non-zero exit code on refusal.
func (e *env) prepareSubmission(args []string) (submission, int) {
	var sub submission
	cli, err := parseSbatchArgs(args, true)
	if err != nil {
		fmt.Fprintf(e.stderr, "sbatch: %v\nTry \"sbatch --help\" for more information\n", err)
		return sub, 1
	}
	wrap := lastOpt(cli.opts, "wrap")
	switch {
	case wrap != "":
		sub.content = []byte("#!/bin/sh\n# This script was created by sbatch --wrap.\n\n" + wrap + "\n")
	case cli.script == "":
		fmt.Fprintf(e.stderr, "fakeslurm: sbatch: a script path or --wrap is required (reading the script from stdin is not supported)\n")
		return sub, 1
	default:
		sub.content, err = os.ReadFile(e.abs(cli.script))
		if err != nil {
			fmt.Fprintf(e.stderr, "sbatch: error: Unable to open file %s\n", cli.script)
			return sub, 1
		}
	}
	if !bytes.HasPrefix(sub.content, []byte("#!")) {
		fmt.Fprint(e.stderr, noShebangStderr)
		return sub, 1
	}
	directives, err := scriptDirectives(sub.content)
	if err != nil {
		fmt.Fprintf(e.stderr, "sbatch: error: %s: %v\n", cli.script, err)
		return sub, 1
	}
	sub.job = Job{Script: cli.script, Args: cli.scriptArgs, WorkDir: e.cwd, Name: defaultJobName(cli.script, wrap)}
	for _, o := range append(directives, cli.opts...) {
		if rc := e.applySbatchOpt(&sub, o); rc != 0 {
			return sub, rc
		}
	}
	return sub, e.checkAssociation(sub.job)
}

func defaultJobName(script, wrap string) string {
	if wrap != "" {
		return "wrap"
	}
	return filepath.Base(script)
}

func lastOpt(opts []sbatchOpt, name string) string {
	v := ""
	for _, o := range opts {
		if o.name == name {
			v = o.value
		}
	}
	return v
}

// applySbatchOpt records one option on the submission.
func (e *env) applySbatchOpt(sub *submission, o sbatchOpt) int {
	j := &sub.job
	switch o.name {
	case "job-name":
		j.Name = o.value
	case "comment":
		j.Comment = o.value
	case "partition":
		j.Partition = o.value
	case "account":
		j.Account = o.value
	case "chdir", "workdir":
		j.WorkDir = e.abs(o.value)
	case "output":
		j.Output = o.value
	case "error":
		j.ErrorPath = o.value
	case "parsable":
		sub.parsable = true
	case "clusters", "cluster":
		sub.cluster, j.Cluster = o.value, e.jobCluster(o.value)
		return e.checkCluster("sbatch", o.value)
	case "dependency":
		id, err := parseAfterAny(o.value)
		if err != nil {
			fmt.Fprintf(e.stderr, "fakeslurm: sbatch: %v\n", err)
			return 1
		}
		j.AfterAny = id
	case "time":
		mins, err := parseTimeLimit(o.value)
		if err != nil {
			fmt.Fprintf(e.stderr, "sbatch: error: Invalid --time specification\n")
			return 1
		}
		j.TimeLimitMin, j.TimeLimitSet = mins, true
	case "gres", "gpus":
		j.GPUs = gpuCount(o.name, o.value)
	case "exclude":
		if inList(o.value, FakeNode) {
			// Measured: excluding the partition's only node.
			fmt.Fprint(e.stderr, "sbatch: error: Batch job submission failed: Requested node configuration is not available\n")
			return 1
		}
	}
	return 0
}

// gpuCount reads the GPUs of --gres=gpu[:type]:N (N defaults to 1) or
// --gpus=[type:]N; anything else counts none.
func gpuCount(name, value string) int {
	parts := strings.Split(value, ":")
	if name == "gres" {
		if parts[0] != "gpu" {
			return 0
		}
		if len(parts) == 1 {
			return 1
		}
	}
	n, err := strconv.Atoi(parts[len(parts)-1])
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// checkAssociation rejects partitions and accounts outside the configured
// lists, with real sbatch's messages (permanent errors for the daemon).
func (e *env) checkAssociation(j Job) int {
	if list := e.getenv(EnvPartitions); list != "" && j.Partition != "" && !inList(list, j.Partition) {
		fmt.Fprintf(e.stderr, "sbatch: error: invalid partition specified: %s\n"+
			"sbatch: error: Batch job submission failed: Invalid partition name specified\n", j.Partition)
		return 1
	}
	if list := e.getenv(EnvAccounts); list != "" && j.Account != "" && !inList(list, j.Account) {
		fmt.Fprint(e.stderr, "sbatch: error: Batch job submission failed: Invalid account or account/partition combination specified\n")
		return 1
	}
	return 0
}

func inList(list, v string) bool {
	for _, item := range strings.Split(list, ",") {
		if strings.TrimSpace(item) == v {
			return true
		}
	}
	return false
}

// abs resolves p against the caller's working directory.
func (e *env) abs(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(e.cwd, p)
}

// createJob gives the submission an id and records it, handing it the next
// queued outcome; in exec mode it also starts the script.
func (e *env) createJob(w *world, sub submission) *Job {
	j := sub.job
	j.ID = w.NextID
	j.State, j.ExitCode, j.Submit = statePending, "0:0", e.unix()
	j.SacctLag = e.intEnv(EnvSacctLag, 0)
	if j.AfterAny != 0 && dependencyLive(w, &j) {
		// Held until the job it waits for ends (dependency.go); in exec
		// mode its script starts then.
		j.PendingReason = reasonDependency
		if e.getenv(EnvExec) == "1" {
			j.HeldScript = sub.content
		}
	} else if e.getenv(EnvExec) == "1" {
		j.State, j.Start = stateRunning, e.unix()
		if err := e.startJob(&j, sub.content); err != nil {
			// As with slurmstepd failing to open the output file or exec
			// the script: sbatch succeeded, the job fails at once.
			j.finish(stateFailed, "1:0", j.Start)
		}
	} else if len(w.Outcomes) > 0 {
		o := w.Outcomes[0]
		w.Outcomes = w.Outcomes[1:]
		j.Outcome = &o
	} else if w.AutoRun {
		j.AutoRun = true
	}
	w.NextID++
	w.Jobs = append(w.Jobs, &j)
	return &j
}
