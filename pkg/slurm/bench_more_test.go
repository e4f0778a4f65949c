package slurm

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// BenchmarkClientSacct measures one Client.SacctOn for the jobs of n runs
// (issue 7: one sacct call per pass for all runs, chunked beyond a safe
// argument size). The runner answers like sacct: a RUNNING allocation row
// and its batch step per id. calls/op is the sacct processes one pass
// starts; argv-B/op the largest argument list among them. ns/op includes
// the fake runner formatting its answer.
func BenchmarkClientSacct(b *testing.B) {
	for _, n := range []int{1, 10, 100, 1000, 2000} {
		b.Run(fmt.Sprintf("ids=%d", n), func(b *testing.B) {
			ids := make([]string, n)
			for i := range ids {
				ids[i] = fmt.Sprint(4000000 + i)
			}
			r := &fakeRunner{answer: sacctRunning}
			c := &Client{Runner: r}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				jobs, err := c.SacctOn(ctx, "", ids)
				if err != nil || len(jobs) != n {
					b.Fatalf("Sacct = %d jobs, %v; want %d", len(jobs), err, n)
				}
			}
			argv := 0
			for _, cmd := range r.calls {
				argv = max(argv, len(strings.Join(cmd.Args, " ")))
			}
			b.ReportMetric(float64(len(r.calls))/float64(b.N), "calls/op")
			b.ReportMetric(float64(argv), "argv-B/op")
		})
	}
}

// sacctRunning answers a sacct -j call with one RUNNING allocation row and
// its batch step per id, as sacct prints them.
func sacctRunning(c Command) ([]byte, []byte, error) {
	ids := strings.Split(c.Args[len(c.Args)-1], ",")
	var sb strings.Builder
	for _, id := range ids {
		fmt.Fprintf(&sb, rows("%s|%s|d20-ckpt|RUNNING|0:0|2026-11-28T09:00:00|2026-11-28T09:00:05|Unknown|03:00:00|1-00:00:00|/home/alice/nanochat|None|\n"), id, id)
		fmt.Fprintf(&sb, rows("%s.batch|%s.batch|batch|RUNNING|0:0|2026-11-28T09:00:05|2026-11-28T09:00:05|Unknown|03:00:00||||\n"), id, id)
	}
	return []byte(sb.String()), nil, nil
}
