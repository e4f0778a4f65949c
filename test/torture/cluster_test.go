package torture

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
)

// cluster runs nsv-fakeslurm control commands against the fake's state.
type cluster struct {
	bin string
	env []string
}

// fakeJob is the part of nsv-fakeslurm list --json the test reads.
type fakeJob struct {
	ID      int    `json:"id"`
	Name    string `json:"name"`
	State   string `json:"state"`
	Comment string `json:"comment"`
	Submit  int64  `json:"submit"`
	Start   int64  `json:"start"`
	End     int64  `json:"end"`
}

// liveStates are the fake's states of a job that holds or waits for
// resources (internal/fakeslurm job.go).
var liveStates = map[string]bool{
	"PENDING": true, "RUNNING": true, "REQUEUED": true, "SUSPENDED": true,
	"COMPLETING": true, "CONFIGURING": true, "RESIZING": true, "STOPPED": true,
}

func (j fakeJob) live() bool { return liveStates[j.State] }

func (j fakeJob) String() string {
	return fmt.Sprintf("job %d %s %s submit=%d end=%d comment=%q", j.ID, j.Name, j.State, j.Submit, j.End, j.Comment)
}

// run runs one control command and returns its stdout.
func (c *cluster) run(args ...string) (string, error) {
	cmd := exec.Command(c.bin, args...)
	cmd.Env = c.env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("nsv-fakeslurm %s: %w: %s", strings.Join(args, " "), err, errOut.String())
	}
	return out.String(), nil
}

// jobs lists every job the fake cluster knows.
func (c *cluster) jobs() ([]fakeJob, error) {
	out, err := c.run("list", "--json")
	if err != nil {
		return nil, err
	}
	var jobs []fakeJob
	if err := json.Unmarshal([]byte(out), &jobs); err != nil {
		return nil, fmt.Errorf("nsv-fakeslurm list --json: %w", err)
	}
	return jobs, nil
}

// liveCounts is nsv-fakeslurm jobs --live: live jobs per job name.
func (c *cluster) liveCounts() (map[string]int, error) {
	out, err := c.run("jobs", "--live")
	if err != nil {
		return nil, err
	}
	return parseLiveCounts(out)
}

// parseLiveCounts reads "NAME COUNT" lines.
func parseLiveCounts(out string) (map[string]int, error) {
	counts := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			return nil, fmt.Errorf("jobs --live: line %q is not NAME COUNT", line)
		}
		n, err := strconv.Atoi(line[i+1:])
		if err != nil {
			return nil, fmt.Errorf("jobs --live: line %q: %w", line, err)
		}
		counts[line[:i]] = n
	}
	return counts, sc.Err()
}

// overlappingJobs returns every pair of jobs of one name whose lifetimes
// overlap: submitted before the other ended (a job still live never
// ended). Slurm keeps whole seconds, and the daemon can only submit after
// it has seen the previous job end, so a successor submitted in the second
// its predecessor ended does not overlap it.
func overlappingJobs(jobs []fakeJob) [][2]fakeJob {
	const never = int64(1) << 62
	end := func(j fakeJob) int64 {
		if j.live() || j.End == 0 {
			return never
		}
		return j.End
	}
	var pairs [][2]fakeJob
	for i, a := range jobs {
		for _, b := range jobs[i+1:] {
			if a.Name == b.Name && a.Submit < end(b) && b.Submit < end(a) {
				pairs = append(pairs, [2]fakeJob{a, b})
			}
		}
	}
	return pairs
}
