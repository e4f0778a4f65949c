package goodput

import (
	"cmp"
	"strconv"
	"strings"
)

// Units of allocated time. GPU-hours are what a GPU cluster charges; a
// job with no GPU in its allocation (a CPU cluster, the local lab) is
// counted in CPU-hours, and says so, rather than pretending.
const (
	UnitGPU     = "gpu"
	UnitCPU     = "cpu"
	UnitBilling = "billing"
)

// Alloc is how many units a job holds, from sacct's AllocTRES
// ("billing=8,cpu=8,gres/gpu=2,mem=64G,node=1"): its GPUs when it has any,
// else its CPUs, else its billing units. Count 0 means nothing allocated
// (a job that never started).
type Alloc struct {
	Count int    `json:"units"`
	Unit  string `json:"unit,omitempty"`
}

// ParseAllocTRES reads AllocTRES. Typed GPUs ("gres/gpu:l40s=2") count
// only when the untyped total is absent, so they are not counted twice.
func ParseAllocTRES(tres string) Alloc {
	var gpu, typedGPU, cpu, billing int
	for _, item := range strings.Split(tres, ",") {
		name, value, ok := strings.Cut(strings.TrimSpace(item), "=")
		if !ok {
			continue
		}
		n, err := strconv.Atoi(value)
		if err != nil || n < 0 {
			continue
		}
		switch {
		case name == "gres/gpu":
			gpu = n
		case strings.HasPrefix(name, "gres/gpu:"):
			typedGPU += n
		case name == "cpu":
			cpu = n
		case name == "billing":
			billing = n
		}
	}
	gpu = cmp.Or(gpu, typedGPU)
	switch {
	case gpu > 0:
		return Alloc{gpu, UnitGPU}
	case cpu > 0:
		return Alloc{cpu, UnitCPU}
	case billing > 0:
		return Alloc{billing, UnitBilling}
	}
	return Alloc{}
}
