package report

import (
	"encoding/json"
	"io"
)

// JSON writes {"findings":[...],"inputs":[...],"summary":{...}}.
func JSON(w io.Writer, r Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
