package gen

import (
	"fmt"

	"mvdan.cc/sh/v3/syntax"
)

// shq quotes s as one POSIX shell word (unchanged when it needs no
// quotes). Every value NEXT-STEPS.md takes from the spec goes through it,
// so a name or address can never become shell syntax.
func shq(s string) string {
	q, err := syntax.Quote(s, syntax.LangPOSIX)
	if err != nil {
		// Only non-printable input fails; spec validation rejects it
		// earlier, and a visible marker beats a silently broken command.
		return fmt.Sprintf("'<unquotable %q>'", s)
	}
	return q
}
