package campaign

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/nanosupervisord/nanosupervisord/test/internal/slurmlab"
)

// lab is decided once in TestMain.
var lab *slurmlab.Lab

func TestMain(m *testing.M) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		fmt.Fprintln(os.Stderr, "campaign:", err)
		os.Exit(1)
	}
	var cleanup func()
	lab, cleanup = slurmlab.Open(root, raceEnabled)
	code := m.Run()
	cleanup()
	os.Exit(code)
}
