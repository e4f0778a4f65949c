package trainer

import (
	"slices"
	"strconv"
	"strings"
)

// StepPlaceholder is replaced by the resume step in resume arguments.
const StepPlaceholder = "{step}"

// ResumeArgs returns the script arguments that resume from step: tmpl with
// every "{step}" replaced, anywhere inside each element (so both "{step}"
// and "--resume-from-step={step}" work). tmpl is not modified.
func ResumeArgs(tmpl []string, step int) []string {
	s := strconv.Itoa(step)
	args := make([]string, len(tmpl))
	for i, a := range tmpl {
		args[i] = strings.ReplaceAll(a, StepPlaceholder, s)
	}
	return args
}

// FreshArgs returns the script arguments of a fresh start: tmpl without
// the elements that mention "{step}", since there is no step to resume
// from. tmpl is not modified.
func FreshArgs(tmpl []string) []string {
	return slices.DeleteFunc(slices.Clone(tmpl), func(a string) bool { return strings.Contains(a, StepPlaceholder) })
}
