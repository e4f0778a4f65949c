package trainer

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// tailCheckBytes is how many of the last bytes parsed LogTail re-reads to
// make sure the file is still the one it parsed.
const tailCheckBytes = 64

// LogTail parses a growing training log incrementally: each Update reads
// only the bytes appended since the previous one. It starts over when the
// file is no longer the one it was reading: when it shrank (a new job
// truncated a log of the same name) or when the bytes just before the
// remembered offset changed (a new file that already grew past the old
// length between two updates). The zero value is ready to use; a LogTail is
// not safe for concurrent use.
type LogTail struct {
	// Also, when set, receives every byte parsed, in order, so that another
	// parser shares the one read; when the tail starts over it is reset
	// too, if it has a Reset method.
	Also io.Writer

	p        *logParser
	offset   int64
	tail     []byte // the last bytes parsed, at offset-len(tail)
	restarts int
}

// Update parses the bytes of r between the previous offset and size. On a
// read error the bytes read so far stay parsed and the error names the
// offset; the next Update continues from there.
func (t *LogTail) Update(r io.ReaderAt, size int64) error {
	if t.p == nil {
		t.Reset()
	}
	same, err := t.sameFile(r, size)
	if err != nil {
		return err
	}
	if !same {
		t.Reset()
		t.restarts++
	}
	if t.offset >= size {
		return nil
	}
	// A poll usually finds a few lines appended: size the buffer to them.
	// A file that ends before size shrank meanwhile; the next Update sees it.
	buf := make([]byte, min(64<<10, size-t.offset))
	if _, err := io.CopyBuffer(writerFunc(t.consume), io.NewSectionReader(r, t.offset, size-t.offset), buf); err != nil {
		return fmt.Errorf("read training log at offset %d: %w", t.offset, err)
	}
	return nil
}

// writerFunc is a function used as an io.Writer.
type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// sameFile reports whether r still holds the bytes parsed so far, judged
// by its size and the bytes just before the offset.
func (t *LogTail) sameFile(r io.ReaderAt, size int64) (bool, error) {
	if size < t.offset {
		return false, nil
	}
	if len(t.tail) == 0 {
		return true, nil
	}
	got := make([]byte, len(t.tail))
	at := t.offset - int64(len(t.tail))
	n, err := r.ReadAt(got, at)
	if n == len(got) {
		return bytes.Equal(got, t.tail), nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		return false, nil
	}
	return false, fmt.Errorf("read training log at offset %d: %w", at, err)
}

func (t *LogTail) consume(b []byte) (int, error) {
	t.p.Write(b)
	if t.Also != nil {
		t.Also.Write(b)
	}
	t.offset += int64(len(b))
	t.tail = append(t.tail, b[max(len(b)-tailCheckBytes, 0):]...)
	if over := len(t.tail) - tailCheckBytes; over > 0 {
		t.tail = append(t.tail[:0], t.tail[over:]...)
	}
	return len(b), nil
}

// Reset forgets everything parsed; the next Update reads from offset 0.
func (t *LogTail) Reset() {
	if r, ok := t.Also.(interface{ Reset() }); ok {
		r.Reset()
	}
	t.p = newLogParser()
	t.offset = 0
	t.tail = t.tail[:0]
}

// Offset returns how many bytes of the file have been parsed.
func (t *LogTail) Offset() int64 { return t.offset }

// Restarts counts the times Update found a different file and started over.
func (t *LogTail) Restarts() int { return t.restarts }

// Summary returns what the log said up to the current offset, exactly as
// a fresh parse of those bytes would.
func (t *LogTail) Summary() LogSummary {
	if t.p == nil {
		return newLogParser().summary()
	}
	return t.p.summary()
}
