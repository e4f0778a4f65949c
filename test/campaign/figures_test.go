package campaign

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// figures are the campaign's counts: what was injected, how often the
// invariants were checked, what the daemon and Slurm did.
type figures struct {
	mu     sync.Mutex
	counts map[string]int
	faults map[string]*faultCount
}

// faultCount is one fault kind's line of the table.
type faultCount struct {
	injected int
	skipped  int    // drawn but not injected (deferred, no target, unavailable)
	why      string // the last reason for a skip
}

func newFigures() figures {
	return figures{counts: map[string]int{}, faults: map[string]*faultCount{}}
}

func (f *figures) add(key string, n int) {
	f.mu.Lock()
	f.counts[key] += n
	f.mu.Unlock()
}

func (f *figures) get(key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counts[key]
}

func (f *figures) fault(kind string) *faultCount {
	fc := f.faults[kind]
	if fc == nil {
		fc = &faultCount{}
		f.faults[kind] = fc
	}
	return fc
}

func (f *figures) injected(kind string) {
	f.mu.Lock()
	f.fault(kind).injected++
	f.counts["faults"]++
	f.mu.Unlock()
}

func (f *figures) skipped(kind, why string) {
	f.mu.Lock()
	fc := f.fault(kind)
	fc.skipped++
	fc.why = why
	f.mu.Unlock()
}

// summary is the campaign's one-line result.
func (f *figures) summary(seed uint64) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return fmt.Sprintf("campaign seed=%d faults=%d passes=%d jobs=%d violations=%d",
		seed, f.counts["faults"], f.counts["passes"], f.counts["jobs"], f.counts["violations"])
}

// table is the per-fault-kind table and the other counts.
func (f *figures) table() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var b strings.Builder
	fmt.Fprintf(&b, "%-24s %8s %8s  %s\n", "fault", "injected", "skipped", "last reason skipped")
	for _, k := range allKinds() {
		fc := f.faults[k.name]
		if fc == nil {
			fc = &faultCount{}
		}
		fmt.Fprintf(&b, "%-24s %8d %8d  %s\n", k.name, fc.injected, fc.skipped, fc.why)
	}
	keys := make([]string, 0, len(f.counts))
	for k := range f.counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%d ", k, f.counts[k])
	}
	return strings.TrimSpace(b.String())
}
