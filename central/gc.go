package central

import (
	"os"
	"runtime/debug"
)

// GCPercent is central's garbage-collection target. Ingest allocates per
// batch, and with Go's default of 100 the collector took a quarter of
// central's CPU; at 300 a million-response upload runs about 10 % faster and
// needs about 70 MiB instead of 48 (docs/benchmarks.md).
const GCPercent = 300

// TuneGC applies GCPercent unless the GOGC environment variable chooses.
func TuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(GCPercent)
	}
}
