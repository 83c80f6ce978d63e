package cli

import (
	"os"

	"github.com/tailos/tailos/internal/iostreams"
)

// testFactory is a complete Factory over test streams: commands may read
// the process environment (cache and config directories) as they would in
// a real run.
func testFactory(ios *iostreams.IOStreams) *Factory {
	return &Factory{IO: ios, Version: "test", LookupEnv: os.LookupEnv}
}
