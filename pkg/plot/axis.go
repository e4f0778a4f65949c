package plot

import (
	"math"
	"slices"
	"strconv"
	"strings"
)

// axis maps a data interval onto a pixel interval and carries its ticks.
type axis struct {
	lo, hi     float64 // data domain, tick-aligned
	from, to   float64 // pixels: from is where lo lands
	ticks      []float64
	tickStep   float64
	integerish bool // steps: labels without decimals, "12k" for thousands
}

// maxTicks bounds the tick loop whatever the domain; nice steps give about
// the number asked for, so this only matters for degenerate input.
const maxTicks = 40

// tightAxis spans exactly [lo, hi], with ticks on the nice values inside
// it: the step axis ends where the run's data ends instead of on the next
// round number, which could waste a fifth of the width.
func tightAxis(lo, hi float64, n int, integer bool) axis {
	a := niceAxis(lo, hi, n, integer)
	if !isFinite(lo) || !isFinite(hi) || lo >= hi || len(a.ticks) <= 2 {
		return a
	}
	a.ticks = slices.DeleteFunc(a.ticks, func(t float64) bool { return t < lo || t > hi })
	// A little room at both ends keeps the first and last markers whole.
	pad := (hi - lo) * 0.012
	a.lo, a.hi = lo-pad, hi+pad
	return a
}

// niceAxis picks a domain that contains [lo, hi] and starts and ends on a
// "nice" tick (1, 2 or 5 times a power of ten), with about n ticks. This
// is Heckbert's loose labelling ("Nice numbers for graph labels",
// Graphics Gems, 1990), the scheme most plotting libraries use.
func niceAxis(lo, hi float64, n int, integer bool) axis {
	if !isFinite(lo) || !isFinite(hi) || hi-lo > math.MaxFloat64/4 {
		return axis{lo: 0, hi: 1}
	}
	if hi < lo {
		lo, hi = hi, lo
	}
	if hi == lo {
		pad := math.Max(math.Abs(lo)*0.1, 0.01)
		if integer {
			pad = math.Max(pad, 1)
		}
		lo, hi = lo-pad, hi+pad
	}
	step := niceNumber(niceNumber(hi-lo, false)/float64(max(n-1, 1)), true)
	if integer && step < 1 {
		step = 1
	}
	a := axis{lo: math.Floor(lo/step) * step, hi: math.Ceil(hi/step) * step, tickStep: step, integerish: integer}
	count := int(math.Round((a.hi - a.lo) / step))
	if count > maxTicks || count < 0 {
		// Precision loss on huge magnitudes: keep only the ends.
		a.ticks = []float64{a.lo, a.hi}
		return a
	}
	for i := 0; i <= count; i++ {
		a.ticks = append(a.ticks, a.lo+float64(i)*step)
	}
	return a
}

// niceNumber returns a number of the form {1,2,5,10}·10^k close to x:
// rounded to the nearest when round is set, else the smallest not below x.
func niceNumber(x float64, round bool) float64 {
	if x <= 0 || !isFinite(x) {
		return 1
	}
	exp := math.Floor(math.Log10(x))
	f := x / math.Pow(10, exp)
	for _, c := range []struct{ nice, roundBelow float64 }{{1, 1.5}, {2, 3}, {5, 7}} {
		if (round && f < c.roundBelow) || (!round && f <= c.nice) {
			return c.nice * math.Pow(10, exp)
		}
	}
	return 10 * math.Pow(10, exp)
}

// pos maps a data value to pixels.
func (a axis) pos(v float64) float64 {
	if a.hi == a.lo {
		return a.from
	}
	return a.from + (v-a.lo)/(a.hi-a.lo)*(a.to-a.from)
}

// label formats a tick: as many decimals as the tick step needs, and
// thousands of steps as "12k" so that the step axis stays short.
func (a axis) label(v float64) string {
	if math.Abs(v) < a.tickStep*1e-9 {
		v = 0 // not "-0" or "1e-17"
	}
	if a.integerish {
		// Nice steps of 1000 or more are whole thousands.
		if a.tickStep >= 1000 && v != 0 {
			return strconv.FormatFloat(v/1000, 'f', -1, 64) + "k"
		}
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	decimals := 0
	if a.tickStep > 0 && a.tickStep < 1 {
		decimals = int(math.Ceil(-math.Log10(a.tickStep) - 1e-9))
	}
	return strconv.FormatFloat(v, 'f', min(decimals, 12), 64)
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// formatValue prints a metric value the way the status table does.
func formatValue(v float64) string {
	s := strconv.FormatFloat(v, 'f', 4, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}
