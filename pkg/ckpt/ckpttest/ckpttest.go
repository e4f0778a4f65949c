// Package ckpttest writes nanochat-like checkpoint files for tests and
// benchmarks: small but structurally real torch.save zip archives, meta
// JSON in nanochat's field layout, whole steps and whole trees, and sparse
// archives of any size that occupy almost no disk.
//
// It must never be imported by non-test code.
package ckpttest

import (
	"archive/zip"
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
)

// Stem is the record prefix of the archives this package writes, as in
// torch.save's "archive/data.pkl".
const Stem = "archive"

// TorchZip returns a zip archive laid out like torch.save's: stem/data.pkl,
// stem/data/0 holding payload, and stem/version, stored uncompressed.
func TorchZip(stem string, payload []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	entries := []struct {
		name string
		data []byte
	}{
		{stem + "/data.pkl", pickleStub},
		{stem + "/data/0", payload},
		{stem + "/version", []byte("3\n")},
	}
	for _, e := range entries {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Store})
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(e.data); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// pickleStub stands in for a pickled state dict: protocol 2, an empty
// dict, STOP.
var pickleStub = []byte{0x80, 0x02, '}', 'q', 0x00, '.'}

// StepSpec describes one checkpoint step to write.
type StepSpec struct {
	Step      int
	Ranks     int     // optimizer shards to write, rank 0 … Ranks-1
	ValBPB    float64 // NaN writes null, as nanochat does with eval off
	SaveEvery int     // user_config.save_every; 0 writes nanochat's default -1
	Payload   int     // bytes of tensor data per .pt file; 0 means 256
}

// WriteStep writes model_S.pt, meta_S.json and optim_S_rank{r}.pt for
// r < ranks into dir.
func WriteStep(dir string, step, ranks int, valBPB float64) error {
	return WriteStepSpec(dir, StepSpec{Step: step, Ranks: ranks, ValBPB: valBPB})
}

// WriteStepSpec writes the step s describes into dir.
func WriteStepSpec(dir string, s StepSpec) error {
	payload := s.Payload
	if payload == 0 {
		payload = 256
	}
	data, err := TorchZip(Stem, bytes.Repeat([]byte{0x3f}, payload))
	if err != nil {
		return err
	}
	pad := fmt.Sprintf("%06d", s.Step)
	files := map[string][]byte{
		"model_" + pad + ".pt":  data,
		"meta_" + pad + ".json": MetaJSON(s.Step, s.ValBPB, s.SaveEvery),
	}
	for r := range s.Ranks {
		files["optim_"+pad+"_rank"+strconv.Itoa(r)+".pt"] = data
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// WriteTree writes steps every, 2×every, … steps×every into dir, each with
// ranks optimizer shards and val_bpb falling with the step.
func WriteTree(dir string, steps, every, ranks int) error {
	for i := 1; i <= steps; i++ {
		s := StepSpec{Step: i * every, Ranks: ranks, ValBPB: 1 + 1/float64(i), SaveEvery: every}
		if err := WriteStepSpec(dir, s); err != nil {
			return err
		}
	}
	return nil
}

// MetaJSON returns meta_S.json content in nanochat's field layout, written
// the way Python's json.dump writes it: a NaN valBPB becomes null and
// loop_state.min_val_bpb the bare word Infinity, as with eval off.
func MetaJSON(step int, valBPB float64, saveEvery int) []byte {
	val, minVal := "null", "Infinity"
	if !math.IsNaN(valBPB) {
		val = strconv.FormatFloat(valBPB, 'g', -1, 64)
		minVal = val
	}
	if saveEvery == 0 {
		saveEvery = -1
	}
	return fmt.Appendf(nil, `{
  "step": %d,
  "val_bpb": %s,
  "model_config": {"sequence_len": 2048, "vocab_size": 65536, "n_layer": 20, "n_head": 10, "n_kv_head": 10, "n_embd": 1280},
  "user_config": {"run": "dummy", "depth": 20, "device_batch_size": 32, "save_every": %d, "resume_from_step": -1},
  "device_batch_size": 32,
  "max_seq_len": 2048,
  "total_batch_size": 524288,
  "dataloader_state_dict": {"pq_idx": 3, "rg_idx": 17, "epoch": 1},
  "loop_state": {"min_val_bpb": %s, "smooth_train_loss": 2.9, "total_training_time": 7140.2}
}
`, step, val, saveEvery, minVal)
}
