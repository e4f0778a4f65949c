package ledger

import (
	"strings"
	"testing"
)

// BenchmarkAppend measures one durable Append (write + fsync) of a record
// the size of a typical decision with its state.
func BenchmarkAppend(b *testing.B) {
	l := openT(b, b.TempDir())
	l.maxBytes = 0
	r := stateRec("d20", 1)
	r.Fields["pad"] = strings.Repeat("x", 512)
	b.ReportAllocs()
	for b.Loop() {
		if err := l.Append(r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppendBatch10 shows what batching saves: ten records, one write,
// one fsync.
func BenchmarkAppendBatch10(b *testing.B) {
	l := openT(b, b.TempDir())
	l.maxBytes = 0
	r := stateRec("d20", 1)
	r.Fields["pad"] = strings.Repeat("x", 512)
	batch := []Record{r, r, r, r, r, r, r, r, r, r}
	b.ReportAllocs()
	for b.Loop() {
		if err := l.Append(batch...); err != nil {
			b.Fatal(err)
		}
	}
}
