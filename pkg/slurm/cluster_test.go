package slurm

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseSbatchJobRealCaptures(t *testing.T) {
	tests := []struct {
		file string
		want JobRef
	}{
		{"real/submit.sbatch", JobRef{ID: "7"}},
		{"real/cluster.sbatch", JobRef{ID: "19", Cluster: "lab"}},
		{"real/unitsep/cluster_submit.sbatch", JobRef{ID: "2", Cluster: "snowy"}},
		{"real/unitsep/cluster_directive.sbatch", JobRef{ID: "3", Cluster: "snowy"}},
	}
	for _, tt := range tests {
		got, err := ParseSbatchJob(readTestdata(t, filepath.FromSlash(tt.file)))
		if err != nil || got != tt.want {
			t.Errorf("%s: got %+v, %v; want %+v", tt.file, got, err, tt.want)
		}
	}
}

func TestParseSqueueClusterCaptures(t *testing.T) {
	noHeader, err := ParseSqueue(readTestdata(t, filepath.Join("real", "unitsep", "cluster_noheader.squeue")))
	if err != nil {
		t.Fatal(err)
	}
	// The header variant also has the column header line, which is not a
	// row; only the CLUSTER line is ours to skip.
	data := readTestdata(t, filepath.Join("real", "unitsep", "cluster_header.out"))
	_, colHeader, _ := strings.Cut(string(data), "\n")
	_, rows, _ := strings.Cut(colHeader, "\n")
	withCluster, err := ParseSqueue([]byte("CLUSTER: snowy\n" + rows))
	if err != nil {
		t.Fatalf("rows after a CLUSTER line: %v", err)
	}
	if len(noHeader) != 2 || !reflect.DeepEqual(noHeader, withCluster) {
		t.Errorf("got %+v and %+v, want the same two rows", noHeader, withCluster)
	}
	if noHeader[0].Comment != "nsv:d20:1:abc123" || noHeader[0].ID != "2" {
		t.Errorf("first row: got %+v", noHeader[0])
	}
}

func TestClusterArgs(t *testing.T) {
	if got := OnCluster("", []string{"-j", "1"}); !reflect.DeepEqual(got, []string{"-j", "1"}) {
		t.Errorf("local cluster: got %q", got)
	}
	if got := OnCluster("snowy", []string{"-j", "1"}); !reflect.DeepEqual(got, []string{"-M", "snowy", "-j", "1"}) {
		t.Errorf("snowy: got %q", got)
	}
	req := SubmitRequest{Script: "t.sh", Cluster: "snowy", Flags: []string{"-J", "d20"}, ScriptArgs: []string{"100"}}
	if got, want := SbatchArgs(req), []string{"--parsable", "-M", "snowy", "-J", "d20", "t.sh", "100"}; !reflect.DeepEqual(got, want) {
		t.Errorf("SbatchArgs: got %q, want %q", got, want)
	}
	for _, bad := range []string{"-x", "a,b", "a b", "a;b", "a|b"} {
		if CheckCluster(bad) == nil {
			t.Errorf("CheckCluster(%q) = nil, want an error", bad)
		}
	}
	for _, good := range []string{"", "snowy", "rackham-gpu"} {
		if err := CheckCluster(good); err != nil {
			t.Errorf("CheckCluster(%q) = %v", good, err)
		}
	}
}

// TestClientOnCluster checks that every command about a job on another
// cluster carries -M, and that the local cluster's carry none.
func TestClientOnCluster(t *testing.T) {
	r := &fakeRunner{answer: func(c Command) ([]byte, []byte, error) {
		switch c.Name {
		case "sbatch":
			return []byte("4;snowy\n"), nil, nil
		case "sacct":
			if c.Args[len(c.Args)-2] == "-j" {
				return sacctEcho(c)
			}
		case "squeue":
			row := strings.Join([]string{"4", "d20", "RUNNING", "None", "Unknown", "Unknown", "UNLIMITED", "0:01", "/w", "(null)"}, Delimiter)
			return []byte("CLUSTER: snowy\n" + row + "\n"), nil, nil
		}
		return nil, nil, nil
	}}
	c := &Client{Runner: r}
	ctx := context.Background()
	job, err := c.Submit(ctx, SubmitRequest{Script: "t.sh", Cluster: "snowy"})
	if err != nil || job != (JobRef{ID: "4", Cluster: "snowy"}) {
		t.Fatalf("Submit: got %+v, %v", job, err)
	}
	if jobs, err := c.SacctOn(ctx, "snowy", []string{"4"}); err != nil || len(jobs) != 1 {
		t.Fatalf("SacctOn: got %+v, %v", jobs, err)
	}
	if _, err := c.SacctWindowOn(ctx, "snowy", time.Unix(0, 0), time.Unix(60, 0), nil); err != nil {
		t.Fatal(err)
	}
	if q, err := c.SqueueOn(ctx, "snowy"); err != nil || len(q) != 1 || q[0].ID != "4" {
		t.Fatalf("SqueueOn: got %+v, %v", q, err)
	}
	if err := c.ScancelOn(ctx, job); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SacctOn(ctx, "", []string{"4"}); err != nil {
		t.Fatal(err)
	}
	for i, call := range r.calls {
		wantM := i < len(r.calls)-1
		hasM := false
		for j := 0; j+1 < len(call.Args); j++ {
			if call.Args[j] == "-M" && call.Args[j+1] == "snowy" {
				hasM = true
			}
		}
		if hasM != wantM {
			t.Errorf("%s %q: -M snowy present = %v, want %v", call.Name, call.Args, hasM, wantM)
		}
	}
	if _, err := c.SqueueOn(ctx, "-x"); err == nil {
		t.Error("SqueueOn(-x): got nil error, want the cluster rejected")
	}
}
