package slurm

import (
	"fmt"
	"strings"
	"testing"
)

func BenchmarkParseSacct(b *testing.B) {
	var sb strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&sb, rows("%d|%d|d20|COMPLETED|0:0|2026-11-28T17:45:26|2026-11-28T17:45:26|2026-11-28T17:45:28|00:00:02|1-00:00:00|/home/alice/nanochat|None|nsv:d20:%d\n"), i+1, i+1, i)
		fmt.Fprintf(&sb, rows("%d.batch|%d.batch|batch|COMPLETED|0:0|2026-11-28T17:45:26|2026-11-28T17:45:26|2026-11-28T17:45:28|00:00:02||||\n"), i+1, i+1)
	}
	out := []byte(sb.String())
	b.SetBytes(int64(len(out)))
	b.ReportAllocs()
	for b.Loop() {
		jobs, err := ParseSacct(out)
		if err != nil || len(jobs) != 1000 {
			b.Fatalf("got %d jobs, %v", len(jobs), err)
		}
	}
}
