package ckpt

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"math"
	"strings"
	"time"
)

// maxListedNames bounds how many file names one reason lists.
const maxListedNames = 8

// maxReadAll bounds a file read whole: a meta file (nanochat writes about
// 2 KiB), or a .pt file whose fs.FS offers no io.ReaderAt (os.DirFS and
// fstest.MapFS do).
const maxReadAll = 16 << 20

// checker verifies the steps of one directory against one rank count.
type checker struct {
	fsys    fs.FS
	listing listing
	ranks   int
	opt     Options
}

// verdict collects what is found about one step.
type verdict struct {
	step     Step
	problems []string // any problem makes the step incomplete
	notes    []string // worth saying, but the step may still be complete
}

func (v *verdict) problem(format string, args ...any) {
	v.problems = append(v.problems, fmt.Sprintf(format, args...))
}

// verify judges one step. Nothing is opened while any file is unsettled.
// Archives are opened only when every expected file is present and
// non-empty; the meta file is read whenever it is there, so that reports
// show its val_bpb even for incomplete steps.
func (c *checker) verify(s *stepEntries) Step {
	v := &verdict{step: Step{Step: s.step}}
	model, modelOK := c.stat(v, Name{Kind: KindModel, Step: s.step, Rank: -1}, s.model)
	meta, metaOK := c.stat(v, Name{Kind: KindMeta, Step: s.step, Rank: -1}, s.meta)
	var shards []File
	var missing, extra []string
	if !s.model.listed {
		missing = append(missing, ModelName(s.step))
	}
	if !s.meta.listed {
		missing = append(missing, MetaName(s.step))
	}
	next := 0 // the next rank expected
	for _, r := range s.optim {
		for ; next < min(r.rank, c.ranks); next++ {
			missing = append(missing, OptimName(s.step, next))
		}
		next = r.rank + 1
		f, ok := c.stat(v, Name{Kind: KindOptim, Step: s.step, Rank: r.rank}, r.entry)
		switch {
		case r.rank >= c.ranks:
			extra = append(extra, f.Name)
		case ok:
			shards = append(shards, f)
		}
	}
	for ; next < c.ranks; next++ {
		missing = append(missing, OptimName(s.step, next))
	}
	if len(missing) > 0 {
		v.problem("missing %s", listNames(missing))
	}
	if len(extra) > 0 {
		v.notes = append(v.notes, fmt.Sprintf("optimizer shards beyond ranks %d: %s (the files suggest %d ranks)",
			c.ranks, listNames(extra), s.shards()))
	}
	if c.unsettled(v) {
		return v.finish()
	}
	present := len(v.problems) == 0
	if metaOK {
		c.checkMeta(v, meta)
	}
	if present && modelOK {
		c.checkZipFile(v, model)
		for _, f := range shards {
			c.checkZipFile(v, f)
		}
	}
	return v.finish()
}

// finish turns the collected problems and notes into the step's verdict.
func (v *verdict) finish() Step {
	if len(v.problems) > 0 {
		v.step.Reason = strings.Join(v.problems, "; ")
		return v.step
	}
	v.step.Complete = true
	v.step.Reason = strings.Join(append([]string{"complete"}, v.notes...), "; ")
	return v.step
}

// stat records the file n, listed as e, in the step and reports whether
// it is a regular, non-empty file worth opening.
func (c *checker) stat(v *verdict, n Name, e listedFile) (File, bool) {
	if !e.listed {
		return File{}, false
	}
	name := n.String()
	var info fs.FileInfo
	var err error
	if e.symlink {
		info, err = fs.Stat(c.fsys, name)
	} else {
		info, err = c.listing.dirents[e.dirent].Info() // for a directory on disk, an lstat
	}
	if err != nil {
		v.problem("cannot stat %s: %v", name, err)
		return File{Name: name, Kind: n.Kind, Rank: n.Rank}, false
	}
	f := File{Name: name, Kind: n.Kind, Rank: n.Rank, Size: info.Size(), ModTime: info.ModTime()}
	v.step.Files = append(v.step.Files, f)
	v.step.Bytes += f.Size
	if f.ModTime.After(v.step.ModTime) {
		v.step.ModTime = f.ModTime
	}
	switch {
	case !info.Mode().IsRegular():
		v.problem("%s is not a regular file", f.Name)
		return f, false
	case f.Size == 0:
		v.problem("%s is empty (0 bytes)", f.Name)
		return f, false
	}
	return f, true
}

// unsettled reports, and records as a problem, files modified within
// SettleTime before Now: nanochat writes under final names, so a recent
// file may still be growing. Without Now or SettleTime nothing is
// unsettled: a zero SettleTime says the writer is gone, and a file
// stamped in the future then only says that its writer's clock ran ahead
// (a clock step on a node or the file server), not that it is growing.
func (c *checker) unsettled(v *verdict) bool {
	if c.opt.Now.IsZero() || c.opt.SettleTime <= 0 {
		return false
	}
	cutoff := c.opt.Now.Add(-c.opt.SettleTime)
	var recent []string
	for _, f := range v.step.Files {
		if !f.ModTime.After(cutoff) {
			continue
		}
		if age := c.opt.Now.Sub(f.ModTime); age >= 0 {
			recent = append(recent, fmt.Sprintf("%s modified %s ago", f.Name, age.Round(time.Second)))
		} else {
			recent = append(recent, fmt.Sprintf("%s modified %s in the future", f.Name, (-age).Round(time.Second)))
		}
	}
	if len(recent) == 0 {
		return false
	}
	v.problem("still being written: %s (settle time %s)", listNames(recent), c.opt.SettleTime)
	return true
}

// listNames joins names for a reason, eliding beyond maxListedNames.
func listNames(names []string) string {
	if len(names) <= maxListedNames {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:maxListedNames], ", "), len(names)-maxListedNames)
}

// checkMeta parses the step's meta file and checks that it names the step.
func (c *checker) checkMeta(v *verdict, f File) {
	h, size, ok := c.open(v, f)
	if !ok {
		return
	}
	defer h.Close()
	data, err := readAll(h, size)
	if err != nil {
		v.problem("cannot read %s: %v", f.Name, err)
		return
	}
	m, err := ParseMeta(data)
	if err != nil {
		v.problem("%s: unparsable: %v", f.Name, err)
		return
	}
	if m.Step != v.step.Step {
		v.problem("%s says step %d", f.Name, m.Step)
	}
	v.step.SaveEvery, v.step.NumIterations = m.UserInt("save_every"), m.UserInt("num_iterations")
	v.step.EvalEvery, v.step.CoreMetricEvery = m.UserInt("eval_every"), m.UserInt("core_metric_every")
	switch {
	case m.ValBPB == nil:
	case math.IsNaN(*m.ValBPB) || math.IsInf(*m.ValBPB, 0):
		// Kept out of Step so reports stay encodable as JSON.
		v.notes = append(v.notes, fmt.Sprintf("val_bpb is %v", *m.ValBPB))
	default:
		val := *m.ValBPB
		v.step.ValBPB = &val
	}
}

// checkZipFile checks that a .pt file is a structurally complete zip.
func (c *checker) checkZipFile(v *verdict, f File) {
	h, size, ok := c.open(v, f)
	if !ok {
		return
	}
	defer h.Close()
	ra, ok := h.(io.ReaderAt)
	if !ok {
		data, err := readAll(h, size)
		if err != nil {
			v.problem("cannot read %s: %v", f.Name, err)
			return
		}
		ra = bytes.NewReader(data)
	}
	if err := CheckZip(ra, size); err != nil {
		v.problem("%s: torn zip: %v", f.Name, err)
	}
}

// open opens f and looks at it a second time: a size or modification time
// that moved since the directory listing means the file is being written.
func (c *checker) open(v *verdict, f File) (fs.File, int64, bool) {
	h, err := c.fsys.Open(f.Name)
	if err != nil {
		v.problem("cannot open %s: %v", f.Name, err)
		return nil, 0, false
	}
	info, err := h.Stat()
	if err != nil {
		h.Close()
		v.problem("cannot stat %s: %v", f.Name, err)
		return nil, 0, false
	}
	if info.Size() != f.Size || !info.ModTime().Equal(f.ModTime) {
		h.Close()
		v.problem("still being written: %s changed while being checked", f.Name)
		return nil, 0, false
	}
	return h, info.Size(), true
}

// readAll reads a whole file of the given size, at most maxReadAll bytes.
func readAll(f fs.File, size int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(f, maxReadAll+1))
	if err == nil && len(data) > maxReadAll {
		err = fmt.Errorf("%d bytes is too large to read whole", size)
	}
	return data, err
}
