package plot

// Geometry of the image, in SVG user units (pixels at 100% zoom). The
// width matches a laptop browser window; the two panels share the step
// axis so that a resubmission lines up with both curves.
const (
	width        = 900
	marginLeft   = 80
	marginRight  = 28
	titleY       = 28
	subtitleY    = 48
	topPanelTop  = 64
	panelHeight  = 200
	panelGap     = 16
	xLabelOffset = 16 // below the bottom panel
	xTitleOffset = 36
	legendTop    = 540
	legendRow    = 17
	legendCols   = 2
	maxLegend    = 16 // newest jobs shown; older ones are summarised
	fontFamily   = "DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif"
)

// Colours: dark enough for thin lines on white, distinct for the common
// forms of colour blindness (blue against orange).
const (
	colourValBPB = "#1f4e99"
	colourCore   = "#b8500e"
	colourGrid   = "#e3e3e3"
	colourBorder = "#9a9a9a"
	colourText   = "#222222"
	colourMuted  = "#666666"
	colourResub  = "#444444"
)

// bandColours alternate between neighbouring jobs; pale so that the
// curves stay in front.
var bandColours = []string{
	"#dce8f5", "#fbe3cc", "#dcefd6", "#ece1f0", "#f9dfe4", "#dbf0ef", "#f4edcf", "#e6e6e6",
}

func bandColour(i int) string { return bandColours[i%len(bandColours)] }

// imageHeight leaves room for the rows of the job legend under the plot.
func imageHeight(jobs int) int {
	n := min(jobs, maxLegend)
	if jobs > maxLegend {
		n++ // the "N earlier jobs" line
	}
	rows := (n + legendCols - 1) / legendCols
	if rows == 0 {
		return legendTop - 10
	}
	return legendTop + rows*legendRow + 8
}
