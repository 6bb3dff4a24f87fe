package main

import (
	"testing"

	"github.com/skmkiosk/skm/cmd/internal/proctest"
)

// TestMain removes the binaries the process tests build.
func TestMain(m *testing.M) { proctest.Main(m) }
