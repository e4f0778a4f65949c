package config

import (
	"bytes"
	"os"
)

// checkQueueAheadScript warns when a run queues ahead but its script never
// asks resume-step for its step: a queued successor is submitted without
// resume arguments, so such a script would start training afresh.
func (p *parser) checkQueueAheadScript(r *Run) {
	if !r.QueueAhead {
		return
	}
	data, err := os.ReadFile(r.Script)
	if err != nil || bytes.Contains(data, []byte("resume-step")) {
		return
	}
	p.warnf(p.runNodes[r.Name].script, join(join("runs", r.Name), "queue_ahead"),
		"the script does not call `nanosupervisord resume-step`: a queued successor gets no resume arguments and would start afresh")
}
