package fakeslurm

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// --dependency=afterany:N, as slurmctld does it: the job stays PENDING with
// reason Dependency while job N is live, and becomes an ordinary pending
// job once N has ended, however it ended. Only the one form the daemon uses
// is accepted; any other is refused with a clear error, like every option
// the fake cannot honour.

const reasonDependency = "Dependency"

// dependencyStderr is real sbatch's refusal of a dependency on a job that
// does not exist.
const dependencyStderr = "sbatch: error: Batch job submission failed: Job dependency problem\n"

var errDependency = errors.New("job dependency problem")

// parseAfterAny reads "afterany:N".
func parseAfterAny(v string) (int, error) {
	rest, ok := strings.CutPrefix(v, "afterany:")
	id, err := strconv.Atoi(rest)
	if !ok || err != nil || id <= 0 {
		return 0, fmt.Errorf("--dependency=%s: only afterany:JOBID is supported", v)
	}
	return id, nil
}

// dependencyLive reports whether the job j waits for is still live.
func dependencyLive(w *world, j *Job) bool {
	d := w.job(j.AfterAny)
	return d != nil && d.Live()
}

// releaseDependency makes a job held by a dependency an ordinary pending
// job once the job it waits for has ended; in exec mode it starts at once,
// as on an idle node.
func (e *env) releaseDependency(w *world, j *Job, now int64) {
	if j.State != statePending || j.PendingReason != reasonDependency || dependencyLive(w, j) {
		return
	}
	j.PendingReason = ""
	if j.HeldScript == nil {
		return
	}
	script := j.HeldScript
	j.HeldScript = nil
	j.State, j.Start = stateRunning, now
	if err := e.startJob(j, script); err != nil {
		j.finish(stateFailed, "1:0", now)
	}
}
