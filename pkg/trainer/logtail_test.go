package trainer

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// A log read in growing prefixes, cut anywhere (mid-line, mid-escape code,
// mid-UTF-8 character), must end up with the summary of one full read.
func TestLogTailGrowingFile(t *testing.T) {
	data := readFixture(t, "finished.log")
	want := parseString(t, string(data))
	for _, step := range []int{1, 7, 64, 1000, 4096} {
		var tail LogTail
		for size := 0; size <= len(data); size += step {
			if err := tail.Update(bytes.NewReader(data[:size]), int64(size)); err != nil {
				t.Fatalf("step %d: Update(%d): %v", step, size, err)
			}
		}
		if err := tail.Update(bytes.NewReader(data), int64(len(data))); err != nil {
			t.Fatal(err)
		}
		if got := tail.Summary(); !sameSummary(got, want) {
			t.Errorf("step %d: summary differs:\n got %+v\nwant %+v", step, got, want)
		}
		if tail.Offset() != int64(len(data)) || tail.Restarts() != 0 {
			t.Errorf("step %d: Offset, Restarts = %d, %d, want %d, 0", step, tail.Offset(), tail.Restarts(), len(data))
		}
	}
}

// A partial line is not committed: when its end arrives it is read whole.
func TestLogTailPartialLine(t *testing.T) {
	var tail LogTail
	first := []byte("Step 00100 | Validation bpb: 0.8")
	if err := tail.Update(bytes.NewReader(first), int64(len(first))); err != nil {
		t.Fatal(err)
	}
	if got := tail.Summary().ValBPB; len(got) != 0 {
		t.Errorf("ValBPB from a partial line = %v, want none", got)
	}
	full := append(first, "12345\n"...)
	if err := tail.Update(bytes.NewReader(full), int64(len(full))); err != nil {
		t.Fatal(err)
	}
	if got, want := tail.Summary().ValBPB, []Point{{100, 0.812345}}; !samePoints(got, want) {
		t.Errorf("ValBPB = %v, want %v", got, want)
	}
}

func TestLogTailNewFileUnderTheSameName(t *testing.T) {
	old := readFixture(t, "crash_cuda_oom.log")
	fresh := readFixture(t, "resumed_timelimit.log")
	tests := []struct {
		name string
		next []byte
	}{
		{"shrank", fresh[:len(old)/2]},
		{"grew past the old size", fresh},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tail LogTail
			if err := tail.Update(bytes.NewReader(old), int64(len(old))); err != nil {
				t.Fatal(err)
			}
			if err := tail.Update(bytes.NewReader(tt.next), int64(len(tt.next))); err != nil {
				t.Fatal(err)
			}
			want := parseString(t, string(tt.next))
			if got := tail.Summary(); !sameSummary(got, want) {
				t.Errorf("summary differs from a fresh parse:\n got %+v\nwant %+v", got, want)
			}
			if tail.Restarts() != 1 {
				t.Errorf("Restarts = %d, want 1", tail.Restarts())
			}
		})
	}
}

func TestLogTailReadError(t *testing.T) {
	data := bytes.Repeat([]byte("step 00001/00010 (10%) | loss: 1.0\n"), 5000)
	boom := errors.New("input/output error")
	r := &brokenReaderAt{data: data, failAt: 100 << 10, err: boom}
	var tail LogTail
	err := tail.Update(r, int64(len(data)))
	if !errors.Is(err, boom) {
		t.Fatalf("Update error = %v, want it to wrap %v", err, boom)
	}
	if tail.Offset() == 0 || tail.Offset() >= int64(len(data)) {
		t.Errorf("Offset after error = %d, want between 0 and %d", tail.Offset(), len(data))
	}
	r.failAt = -1
	if err := tail.Update(r, int64(len(data))); err != nil {
		t.Fatal(err)
	}
	if got, want := tail.Summary(), parseString(t, string(data)); !sameSummary(got, want) || tail.Restarts() != 0 {
		t.Errorf("after retry: summary equal = %v, Restarts = %d, want true, 0", sameSummary(got, want), tail.Restarts())
	}
}

// brokenReaderAt fails every read that reaches past failAt (unless < 0).
type brokenReaderAt struct {
	data   []byte
	failAt int64
	err    error
}

func (r *brokenReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if r.failAt >= 0 && off+int64(len(p)) > r.failAt {
		return 0, r.err
	}
	if off >= int64(len(r.data)) {
		return 0, io.EOF
	}
	n := copy(p, r.data[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func TestLogTailZeroValue(t *testing.T) {
	var tail LogTail
	got := tail.Summary()
	if got.LastStep != -1 || got.ResumedFrom != -1 || len(got.ValBPB) != 0 || tail.Offset() != 0 {
		t.Errorf("zero LogTail summary = %+v, offset %d, want empty with LastStep and ResumedFrom -1", got, tail.Offset())
	}
}

// resettingBuffer records what LogTail.Also is given, and its resets.
type resettingBuffer struct {
	bytes.Buffer
	resets int
}

func (b *resettingBuffer) Reset() { b.Buffer.Reset(); b.resets++ }

// Also sees exactly the bytes parsed, once each, and starts over with the
// tail: a meter fed through it measures the same file the summary is of.
func TestLogTailAlsoSharesTheRead(t *testing.T) {
	old := readFixture(t, "crash_cuda_oom.log")
	fresh := readFixture(t, "resumed_timelimit.log")
	var also resettingBuffer
	tail := LogTail{Also: &also}
	half := int64(len(old) / 2)
	for _, size := range []int64{half, int64(len(old))} {
		if err := tail.Update(bytes.NewReader(old), size); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(also.Bytes(), old) {
		t.Fatalf("Also got %d bytes, want the %d bytes of the log once", also.Len(), len(old))
	}
	if err := tail.Update(bytes.NewReader(fresh), int64(len(fresh))); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(also.Bytes(), fresh) || also.resets < 2 {
		t.Errorf("after a new file: Also holds %d bytes (want %d), reset %d times (want the first use and the new file)",
			also.Len(), len(fresh), also.resets)
	}
}
