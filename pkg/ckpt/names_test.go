package ckpt

import "testing"

func TestParseName(t *testing.T) {
	tests := []struct {
		name string
		want Name
		ok   bool
	}{
		{"model_002000.pt", Name{Kind: KindModel, Step: 2000, Rank: -1}, true},
		{"meta_002000.json", Name{Kind: KindMeta, Step: 2000, Rank: -1}, true},
		{"optim_002000_rank0.pt", Name{Kind: KindOptim, Step: 2000, Rank: 0}, true},
		{"optim_002000_rank15.pt", Name{Kind: KindOptim, Step: 2000, Rank: 15}, true},
		{"model_000000.pt", Name{Kind: KindModel, Step: 0, Rank: -1}, true},
		{"model_1234567.pt", Name{Kind: KindModel, Step: 1234567, Rank: -1}, true},
		{"meta_1000000.json", Name{Kind: KindMeta, Step: 1000000, Rank: -1}, true},
		{"optim_1234567_rank3.pt", Name{Kind: KindOptim, Step: 1234567, Rank: 3}, true},

		// Temporary, partial and foreign names.
		{"model_000100.pt.tmp", Name{}, false},
		{"meta_000100.json.tmp", Name{}, false},
		{".model_000100.pt", Name{}, false},
		{".nfs000000000123456700000001", Name{}, false},
		{"model_000100.pt~", Name{}, false},
		{"model_000100.tmp.pt", Name{}, false},
		{"optim_000100_rank0.pt.partial", Name{}, false},
		{"model_100.pt", Name{}, false},           // fewer than six digits
		{"model_0000100.pt", Name{}, false},       // padded beyond six: not nanochat's spelling
		{"optim_000100_rank01.pt", Name{}, false}, // rank never padded
		{"optim_000100_rank.pt", Name{}, false},
		{"optim_000100.pt", Name{}, false},
		{"optim_000100_rank-1.pt", Name{}, false},
		{"optim_000100_rank99999.pt", Name{}, false}, // beyond MaxRank
		{"model_-00100.pt", Name{}, false},
		{"model_00010a.pt", Name{}, false},
		{"model_.pt", Name{}, false},
		{"model_000100.json", Name{}, false},
		{"meta_000100.pt", Name{}, false},
		{"model_0001000000000000.pt", Name{}, false}, // too many digits
		{"base_checkpoints", Name{}, false},
		{"", Name{}, false},
	}
	for _, tt := range tests {
		got, ok := ParseName(tt.name)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseName(%q) = %+v, %v; want %+v, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

func TestNameRoundTrip(t *testing.T) {
	for _, n := range []Name{
		{Kind: KindModel, Step: 0, Rank: -1},
		{Kind: KindModel, Step: 21400, Rank: -1},
		{Kind: KindMeta, Step: 999999, Rank: -1},
		{Kind: KindMeta, Step: 1000000, Rank: -1},
		{Kind: KindOptim, Step: 500, Rank: 7},
	} {
		s := n.String()
		got, ok := ParseName(s)
		if !ok || got != n {
			t.Errorf("ParseName(%q) = %+v, %v; want %+v, true", s, got, ok, n)
		}
	}
}

func FuzzParseName(f *testing.F) {
	for _, s := range []string{"model_002000.pt", "meta_000500.json", "optim_001000_rank1.pt", "model_000100.pt.tmp"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := ParseName(s)
		if !ok {
			return
		}
		// Exactly one spelling per file: the name must be the canonical one.
		if got := n.String(); got != s {
			t.Fatalf("ParseName(%q) = %+v, which spells %q", s, n, got)
		}
	})
}
