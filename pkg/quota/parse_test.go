package quota

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// The lfs_*.txt samples follow the layout `lfs quota` prints (documented
// by Lustre and shown in many sites' user guides), with invented users and
// numbers: KiB columns, -h sizes, an over-quota `*` with a grace time, a
// name on its own line, user, group and project blocks, brackets.
func TestParseSamples(t *testing.T) {
	const gib = 1 << 30
	tests := []struct {
		file string
		want Left
	}{
		{"lfs_user.txt", Left{Bytes: 30 * gib, Limited: true}},
		{"lfs_user_hardlimit_only.txt", Left{Bytes: 40 * gib, Limited: true}},
		{"lfs_human.txt", Left{Bytes: 768 * gib, Limited: true}},
		{"lfs_over_quota.txt", Left{Bytes: 0, Limited: true}},
		{"lfs_long_name.txt", Left{Bytes: 10 * gib, Limited: true}},
		{"lfs_all_blocks.txt", Left{Bytes: 10 * gib, Limited: true}},
		{"lfs_unlimited.txt", Left{}},
		{"lfs_brackets.txt", Left{Bytes: 4 * gib, Limited: true}},
		{"plain_bytes.txt", Left{Bytes: 52428800, Limited: true}},
		{"plain_gib.txt", Left{Bytes: 7.5 * gib, Limited: true}},
		{"plain_tb.txt", Left{Bytes: 3e12, Limited: true}},
		{"plain_number.txt", Left{Bytes: gib, Limited: true}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			out, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			got, err := Parse(out)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		file         string
		unrecognised bool
	}{
		{"bad_no_layout.txt", true},
		{"bad_table_no_rows.txt", false},
	}
	for _, tt := range tests {
		out, err := os.ReadFile(filepath.Join("testdata", tt.file))
		if err != nil {
			t.Fatal(err)
		}
		got, err := Parse(out)
		if err == nil {
			t.Errorf("%s: got %+v, want an error", tt.file, got)
			continue
		}
		if errors.Is(err, ErrUnrecognised) != tt.unrecognised {
			t.Errorf("%s: error %v; want ErrUnrecognised %v", tt.file, err, tt.unrecognised)
		}
	}
}

func TestParsePlainUnits(t *testing.T) {
	tests := []struct {
		in   string
		want int64
	}{
		{"100 B available", 100},
		{"1 byte left", 1},
		{"2 KiB free", 2048},
		{"2 kB free", 2000},
		{"2K remaining", 2048},
		{"3 MiB available", 3 << 20},
		{"3 MB available", 3e6},
		{"1 TiB available", 1 << 40},
		{"1 PB available", 1e15},
		{"Space: 12 GiB available\n", 12 << 30},
	}
	for _, tt := range tests {
		got, err := Parse([]byte(tt.in))
		if err != nil || got != (Left{Bytes: tt.want, Limited: true}) {
			t.Errorf("Parse(%q) = %+v, %v; want %d bytes", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"", "-5", "available", "12 parsecs available", "99999999999 PB available"} {
		if got, err := Parse([]byte(in)); err == nil {
			t.Errorf("Parse(%q) = %+v, want an error", in, got)
		}
	}
}

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.txt")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, out []byte) {
		left, err := Parse(out)
		if err == nil && left.Bytes < 0 {
			t.Errorf("Parse(%q) = %+v: negative", out, left)
		}
	})
}
