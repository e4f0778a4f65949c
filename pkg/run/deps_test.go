package run

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// pkg/run is the pure core of a run: it may import the standard library and
// the pure leaves below, nothing else; it performs no I/O and never reads
// the clock (Input carries Now). In the spirit of tailscale's
// tstest/deptest, this reads the package's own (non-test) files.
var (
	allowedModule = map[string]bool{
		"github.com/nanosupervisord/nanosupervisord/pkg/goodput": true,
		"github.com/nanosupervisord/nanosupervisord/pkg/slurm":   true,
		"github.com/nanosupervisord/nanosupervisord/pkg/trainer": true,
	}
	// Standard packages that reach the operating system; a path under one
	// of them (os/exec, net/http) is refused too.
	forbiddenStd = []string{"os", "net", "syscall", "io/fs", "io/ioutil", "unsafe", "math/rand", "crypto/rand"}
	// Functions of package time that read or wait on the clock.
	forbiddenTime = map[string]bool{"Now": true, "Since": true, "Until": true, "Sleep": true,
		"After": true, "AfterFunc": true, "Tick": true, "NewTimer": true, "NewTicker": true}
)

func TestDeps(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		timeName := ""
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if msg := importProblem(path); msg != "" {
				t.Errorf("%s: imports %s: %s", fset.Position(imp.Pos()), path, msg)
			}
			if path == "time" {
				timeName = "time"
				if imp.Name != nil {
					timeName = imp.Name.Name
				}
			}
		}
		if timeName == "" {
			continue
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == timeName && forbiddenTime[sel.Sel.Name] {
				t.Errorf("%s: calls time.%s: the clock is Input.Now", fset.Position(sel.Pos()), sel.Sel.Name)
			}
			return true
		})
	}
	if checked < 10 {
		t.Fatalf("checked %d files; is the test running in pkg/run?", checked)
	}
}

// importProblem says why pkg/run must not import path ("" when it may).
func importProblem(path string) string {
	first, _, _ := strings.Cut(path, "/")
	if strings.Contains(first, ".") {
		if allowedModule[path] {
			return ""
		}
		return "pkg/run imports only the standard library and pkg/slurm, pkg/trainer, pkg/goodput"
	}
	for _, bad := range forbiddenStd {
		if path == bad || strings.HasPrefix(path, bad+"/") {
			return "pkg/run performs no I/O and draws no randomness"
		}
	}
	return ""
}

func TestImportProblem(t *testing.T) {
	for _, tt := range []struct {
		path string
		ok   bool
	}{
		{"time", true},
		{"slices", true},
		{"github.com/nanosupervisord/nanosupervisord/pkg/slurm", true},
		{"os", false},
		{"os/exec", false},
		{"net", false},
		{"net/http", false},
		{"syscall", false},
		{"io/fs", false},
		{"github.com/nanosupervisord/nanosupervisord/pkg/ckpt", false},
		{"github.com/nanosupervisord/nanosupervisord/pkg/supervisor/config", false},
		{"go.uber.org/zap", false},
	} {
		if got := importProblem(tt.path) == ""; got != tt.ok {
			t.Errorf("importProblem(%q) allows: %v, want %v", tt.path, got, tt.ok)
		}
	}
}
