package campaign

import (
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// knobs are the campaign's environment settings.
type knobs struct {
	seed        uint64
	duration    time.Duration   // how long faults are injected
	dirAway     bool            // inject checkpoint_dir_away
	slurmFaults bool            // may stop slurmdbd and slurmctld
	keep        string          // NSV_CAMPAIGN_KEEP: a directory to keep the campaign in
	kinds       map[string]bool // NSV_CAMPAIGN_KINDS: draw only these; nil: all
}

const defaultDuration = 90 * time.Second

func readKnobs(t *testing.T) knobs {
	t.Helper()
	k := knobs{seed: uint64(time.Now().UnixNano()) % 1_000_000_000, duration: defaultDuration, slurmFaults: true}
	if v := os.Getenv("NSV_CAMPAIGN_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("NSV_CAMPAIGN_SEED=%q: %v", v, err)
		}
		k.seed = n
	}
	if v := os.Getenv("NSV_CAMPAIGN_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 20*time.Second {
			t.Fatalf("NSV_CAMPAIGN_DURATION=%q: want a duration of at least 20s", v)
		}
		k.duration = d
	}
	k.keep = os.Getenv("NSV_CAMPAIGN_KEEP")
	if v := os.Getenv("NSV_CAMPAIGN_KINDS"); v != "" {
		k.kinds = map[string]bool{}
		known := map[string]bool{}
		for _, kd := range allKinds() {
			known[kd.name] = true
		}
		for _, name := range strings.Split(v, ",") {
			if !known[name] {
				t.Fatalf("NSV_CAMPAIGN_KINDS: no fault kind %q", name)
			}
			k.kinds[name] = true
		}
	}
	k.dirAway = os.Getenv("NSV_CAMPAIGN_DIR_AWAY") == "1"
	k.slurmFaults = os.Getenv("NSV_CAMPAIGN_SLURM_FAULTS") != "0"
	return k
}

// reproduce is the command line that replays this campaign's schedule.
func (k knobs) reproduce() string {
	s := "NSV_CAMPAIGN_SEED=" + strconv.FormatUint(k.seed, 10)
	if k.duration != defaultDuration {
		s += " NSV_CAMPAIGN_DURATION=" + k.duration.String()
	}
	if k.dirAway {
		s += " NSV_CAMPAIGN_DIR_AWAY=1"
	}
	if !k.slurmFaults {
		s += " NSV_CAMPAIGN_SLURM_FAULTS=0"
	}
	if k.kinds != nil {
		s += " NSV_CAMPAIGN_KINDS=" + strings.Join(slices.Sorted(maps.Keys(k.kinds)), ",")
	}
	return s + " NSV_REQUIRE_SLURM=1 go test -count=1 -run TestFaultCampaign -v ./test/campaign/"
}
