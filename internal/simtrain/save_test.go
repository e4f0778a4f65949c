package simtrain

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

// recorder logs the order files are opened and closed in.
type recorder struct {
	mu     sync.Mutex
	events []string
}

type recordedFile struct {
	*os.File
	r    *recorder
	name string
}

func (f recordedFile) Close() error {
	f.r.add("close " + f.name)
	return f.File.Close()
}

func (r *recorder) add(e string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func (r *recorder) create(path string) (io.WriteCloser, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	name := filepath.Base(path)
	r.add("create " + name)
	return recordedFile{f, r, name}, nil
}

func testSaver(t *testing.T, ranks int, rec *recorder) saver {
	return saver{
		dir: t.TempDir(), ranks: ranks, modelBytes: 4096, optimBytes: 2048,
		create: rec.create, logf: func(string, ...any) {},
	}
}

func TestSaveWritesRank0InNanochatOrder(t *testing.T) {
	rec := &recorder{}
	s := testSaver(t, 1, rec)
	if err := s.save(context.Background(), 200, Meta{Step: 200}, saveOK); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"create model_000200.pt", "close model_000200.pt",
		"create meta_000200.json", "close meta_000200.json",
		"create optim_000200_rank0.pt", "close optim_000200_rank0.pt",
	}
	if !slices.Equal(rec.events, want) {
		t.Errorf("events = %q, want %q", rec.events, want)
	}
}

func TestSaveWritesEveryRankShard(t *testing.T) {
	rec := &recorder{}
	s := testSaver(t, 4, rec)
	if err := s.save(context.Background(), 5, Meta{Step: 5}, saveOK); err != nil {
		t.Fatal(err)
	}
	got := listDir(t, s.dir)
	want := []string{"meta_000005.json", "model_000005.pt",
		"optim_000005_rank0.pt", "optim_000005_rank1.pt", "optim_000005_rank2.pt", "optim_000005_rank3.pt"}
	if !slices.Equal(got, want) {
		t.Errorf("files = %q, want %q", got, want)
	}
	// rank 0's own order holds whatever the other ranks do meanwhile.
	var rank0 []string
	for _, e := range rec.events {
		if slices.Contains([]string{"create model_000005.pt", "create meta_000005.json", "create optim_000005_rank0.pt"}, e) {
			rank0 = append(rank0, e)
		}
	}
	if want := []string{"create model_000005.pt", "create meta_000005.json", "create optim_000005_rank0.pt"}; !slices.Equal(rank0, want) {
		t.Errorf("rank 0 order = %q, want %q", rank0, want)
	}
}

func TestSaveSecondsSpreadsTheSave(t *testing.T) {
	rec := &recorder{}
	s := testSaver(t, 1, rec)
	s.saveTime = 150 * time.Millisecond
	start := time.Now()
	if err := s.save(context.Background(), 1, Meta{Step: 1}, saveOK); err != nil {
		t.Fatal(err)
	}
	if got := time.Since(start); got < s.saveTime {
		t.Errorf("save took %v, want at least %v", got, s.saveTime)
	}
}

// A save cut short (the job killed) leaves the model file shorter than a
// complete one and nothing after it.
func TestSaveCutShortLeavesPartialFile(t *testing.T) {
	rec := &recorder{}
	s := testSaver(t, 1, rec)
	s.saveTime = 10 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := s.save(ctx, 3, Meta{Step: 3}, saveOK); err == nil {
		t.Fatal("save finished despite the deadline")
	}
	fi, err := os.Stat(filepath.Join(s.dir, modelName(3)))
	if err != nil {
		t.Fatal(err)
	}
	full, _ := TorchArchive(modelName(3), s.modelBytes)
	if fi.Size() >= int64(len(full)) {
		t.Errorf("model size %d, want less than the full %d", fi.Size(), len(full))
	}
	if got := listDir(t, s.dir); !slices.Equal(got, []string{modelName(3)}) {
		t.Errorf("files = %q, want only the partial model", got)
	}
}
