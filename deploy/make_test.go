// Package deploy holds what installs and runs nanosupervisord outside the
// repository; this test checks make install and make dist.
package deploy

import (
	"archive/tar"
	"compress/gzip"
	"debug/elf"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// makeIn runs make TARGET from the repository root with a home of its own.
func makeIn(t *testing.T, home string, args ...string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make not installed")
	}
	args = append([]string{"-C", "..", "VERSION=test", "BIN=" + filepath.Join(home, "build")}, args...)
	cmd := exec.Command("make", args...)
	// Another HOME, but the same Go caches: no download, no rebuild.
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_DATA_HOME=", "XDG_CONFIG_HOME=", "NSV_CONFIG=",
		"PATH=/usr/bin:/bin:"+filepath.Dir(goTool(t)))
	for _, v := range []string{"GOCACHE", "GOMODCACHE", "GOPATH"} {
		val, err := exec.Command("go", "env", v).Output()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Env = append(cmd.Env, v+"="+strings.TrimSpace(string(val)))
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func goTool(t *testing.T) string {
	p, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go not on PATH")
	}
	return p
}

// static reports whether the ELF file asks for no dynamic loader.
func static(t *testing.T, path string) bool {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return false
		}
	}
	return true
}

func TestMakeInstall(t *testing.T) {
	home := t.TempDir()
	out := makeIn(t, home, "install")
	bin := filepath.Join(home, ".local", "bin", "nanosupervisord")
	if !strings.Contains(out, "installed "+bin) || !strings.Contains(out, "is NOT on your PATH") {
		t.Errorf("make install does not say where the binary went and that it is off PATH:\n%s", out)
	}
	if !static(t, bin) {
		t.Errorf("%s is dynamically linked; want a static binary (CGO_ENABLED=0)", bin)
	}
	for _, f := range []string{
		".local/share/bash-completion/completions/nanosupervisord",
		".local/share/zsh/site-functions/_nanosupervisord",
		".config/fish/completions/nanosupervisord.fish",
		".config/systemd/user/nanosupervisord.service",
		".config/nanosupervisord/config.yaml",
	} {
		if fi, err := os.Stat(filepath.Join(home, f)); err != nil || fi.Size() == 0 {
			t.Errorf("make install left no %s: %v", f, err)
		}
	}
}

func TestMakeDist(t *testing.T) {
	home := t.TempDir()
	out := makeIn(t, home, "dist", "DIST="+filepath.Join(home, "dist", "nsv"))
	tarball := filepath.Join(home, "dist", "nsv.tar.gz")
	if !strings.Contains(out, "wrote "+tarball) {
		t.Errorf("make dist does not say where the tarball is:\n%s", out)
	}
	f, err := os.Open(tarball)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
	}
	for _, want := range []string{"nsv/nanosupervisord", "nsv/nanosupervisord.service", "nsv/config.example.yaml",
		"nsv/completions/nanosupervisord.bash", "nsv/completions/_nanosupervisord", "nsv/completions/nanosupervisord.fish"} {
		if !slices.Contains(names, want) {
			t.Errorf("dist tarball lacks %s; it holds %v", want, names)
		}
	}
}
