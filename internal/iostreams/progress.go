package iostreams

import (
	"fmt"
	"time"
)

// Progress reports the steps of long work on stderr when it is a terminal and
// stays silent in pipes and logs, as users of talosctl and docker expect.
type Progress struct {
	s     *IOStreams
	start time.Time
}

// Progress returns a reporter bound to these streams.
func (s *IOStreams) Progress() *Progress { return &Progress{s: s, start: time.Now()} }

// Step prints one line of progress (terminal only).
func (p *Progress) Step(format string, args ...any) {
	if p == nil || !p.s.IsStderrTTY() {
		return
	}
	fmt.Fprintf(p.s.ErrOut, "[%5.1fs] %s\n", time.Since(p.start).Seconds(), fmt.Sprintf(format, args...))
}
