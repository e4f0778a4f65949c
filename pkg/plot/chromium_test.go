package plot

import (
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// chromiumPath finds Debian's or Ubuntu's name for the browser.
func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// TestSVGRendersInChromium renders the d20 plot in a headless Chromium and
// checks that the screenshot shows something drawn in the val_bpb and
// CORE colours. It needs chromium on PATH; NSV_REQUIRE_CHROMIUM=1 makes
// its absence a failure (CI), otherwise the test skips.
func TestSVGRendersInChromium(t *testing.T) {
	browser := chromiumPath()
	if browser == "" {
		if os.Getenv("NSV_REQUIRE_CHROMIUM") == "1" {
			t.Fatal("NSV_REQUIRE_CHROMIUM=1 but neither chromium nor chromium-browser is on PATH")
		}
		t.Skip("chromium not on PATH (set NSV_REQUIRE_CHROMIUM=1 to require it)")
	}
	dir := t.TempDir()
	svgPath := filepath.Join(dir, "d20.svg")
	if err := os.WriteFile(svgPath, render(t, d20()), 0o644); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(dir, "p.png")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--screenshot="+shot, "--window-size=900,600",
		"file://"+svgPath)
	cmd.Env = append(os.Environ(), "HOME="+dir) // keep the browser's caches out of the real home
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", browser, err, out)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v\n%s", err, out)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	if got := distinctColours(img, 2); got < 2 {
		t.Fatalf("screenshot is a single flat colour")
	}
	for name, c := range map[string][3]uint8{"val_bpb": {0x1f, 0x4e, 0x99}, "CORE": {0xb8, 0x50, 0x0e}} {
		if n := pixelsNear(img, c, 24); n < 200 {
			t.Errorf("%s colour: got %d pixels close to it, want at least 200 (curve, markers, target line)", name, n)
		}
	}
}

// distinctColours counts colours up to limit.
func distinctColours(img image.Image, limit int) int {
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
			if len(seen) >= limit {
				return len(seen)
			}
		}
	}
	return len(seen)
}

// pixelsNear counts pixels within tol (per 8-bit channel) of c; the
// tolerance absorbs anti-aliasing.
func pixelsNear(img image.Image, c [3]uint8, tol int) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if near(int(r>>8), int(c[0]), tol) && near(int(g>>8), int(c[1]), tol) && near(int(bl>>8), int(c[2]), tol) {
				n++
			}
		}
	}
	return n
}

func near(a, b, tol int) bool { return a-b <= tol && b-a <= tol }
