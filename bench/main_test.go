package bench

import (
	"os"
	"testing"
)

// TestMain lets the CPU comparison re-execute the test binary as its
// simulator.
func TestMain(m *testing.M) {
	ServeChildIfAsked()
	os.Exit(m.Run())
}
