package slurm

import (
	"bytes"
	"math"
	"strings"
)

// SubmitRequest is one sbatch call.
type SubmitRequest struct {
	Script     string   // the batch script, absolute or relative to Dir
	ScriptArgs []string // positional arguments of the script ($1 ...)
	Flags      []string // sbatch options, put before the script
	Dir        string   // working directory of sbatch, and so of the job
	Env        []string // extra KEY=VALUE for sbatch (exported to the job)
	// Cluster, when set, is passed as -M: the cluster to submit to.
	Cluster string
	// DropEnv removes inherited variables before sbatch runs (see
	// Command.Drop); Env is kept.
	DropEnv []string
}

// SbatchArgs builds ["--parsable", "-M", Cluster, Flags..., Script,
// ScriptArgs...], without -M when no cluster is set. Everything after the
// script goes to the script, not to sbatch.
func SbatchArgs(req SubmitRequest) []string {
	args := append([]string{"--parsable"}, OnCluster(req.Cluster, req.Flags)...)
	args = append(args, req.Script)
	return append(args, req.ScriptArgs...)
}

// ParseSbatchJob reads what sbatch --parsable prints on success: "123\n",
// or "123;cluster\n" when the job went to a cluster named with -M (on the
// command line or in an #SBATCH line). Anything else is an error that
// quotes the output; note that sbatch exited 0 in that case, so the job
// very likely exists (SubmitMayHaveCreatedJob says so).
func ParseSbatchJob(out []byte) (JobRef, error) {
	text := string(bytes.TrimSpace(out))
	if text == "" {
		return JobRef{}, newParseError("sbatch", 1, text, "no job id printed")
	}
	if strings.ContainsAny(text, "\r\n") {
		return JobRef{}, newParseError("sbatch", 1, text, `want one line "<jobid>" or "<jobid>;<cluster>"`)
	}
	id, cluster, hasCluster := strings.Cut(text, ";")
	// A Slurm job id is a uint32: parseSmallUint's ten digits hold any.
	if _, err := parseSmallUint(id, math.MaxInt); err != nil {
		return JobRef{}, newParseError("sbatch", 1, text, `want "<jobid>" or "<jobid>;<cluster>"`)
	}
	if hasCluster && !isClusterName(cluster) {
		return JobRef{}, newParseError("sbatch", 1, text, "bad cluster name after ';'")
	}
	return JobRef{ID: id, Cluster: cluster}, nil
}

// isClusterName accepts a non-empty name without ';', spaces or control
// characters; Slurm cluster names are short identifiers.
func isClusterName(s string) bool {
	return s != "" && !strings.ContainsRune(s, ';') && !strings.ContainsFunc(s, isSpaceOrControl)
}

// isSpaceOrControl reports whether r is a space, an ASCII control
// character or DEL.
func isSpaceOrControl(r rune) bool { return r <= ' ' || r == 0x7f }
