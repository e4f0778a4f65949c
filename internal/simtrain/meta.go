package simtrain

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Meta is nanochat's meta_<step>.json, fields in the order save_checkpoint
// writes them. ValBPB is nil (null) until the first evaluation.
type Meta struct {
	Step            int             `json:"step"`
	ValBPB          *PyFloat        `json:"val_bpb"`
	ModelConfig     orderedObject   `json:"model_config"`
	UserConfig      orderedObject   `json:"user_config"`
	DeviceBatchSize int             `json:"device_batch_size"`
	MaxSeqLen       int             `json:"max_seq_len"`
	TotalBatchSize  int             `json:"total_batch_size"`
	DataLoader      DataLoaderState `json:"dataloader_state_dict"`
	LoopState       LoopState       `json:"loop_state"`
}

// DataLoaderState is where the training data loader stood (parquet file,
// row group, epoch); the simulation derives it from the step.
type DataLoaderState struct {
	PQIdx int `json:"pq_idx"`
	RGIdx int `json:"rg_idx"`
	Epoch int `json:"epoch"`
}

// LoopState is what nanochat carries across a resume besides the step.
// MinValBPB is +Inf (written as bare Infinity) until the first evaluation.
type LoopState struct {
	MinValBPB         PyFloat `json:"min_val_bpb"`
	SmoothTrainLoss   PyFloat `json:"smooth_train_loss"`
	TotalTrainingTime PyFloat `json:"total_training_time"`
}

// EncodeMeta writes m as Python's json.dump(m, f, indent=2) would.
func EncodeMeta(m Meta) ([]byte, error) {
	return encodePython(m)
}

// DecodeMeta reads a meta file leniently: bare Infinity, -Infinity and NaN
// are accepted, unknown fields are ignored (a newer nanochat may add some).
func DecodeMeta(data []byte) (Meta, error) {
	var m Meta
	if err := decodePython(data, &m); err != nil {
		return Meta{}, err
	}
	return m, nil
}

// dataLoaderAt places the loader deterministically: each step consumes one
// row group, a parquet file holds 20 of them and the data set 240 files.
func dataLoaderAt(step int) DataLoaderState {
	const rowGroupsPerFile, filesPerEpoch = 20, 240
	file := step / rowGroupsPerFile
	return DataLoaderState{
		PQIdx: file % filesPerEpoch,
		RGIdx: step % rowGroupsPerFile,
		Epoch: 1 + file/filesPerEpoch,
	}
}

// keyValue is one member of an orderedObject.
type keyValue struct {
	Key   string
	Value any
}

// orderedObject is a JSON object that keeps its members in insertion order,
// as a Python dict does; encoding/json would sort a map's keys.
type orderedObject []keyValue

// MarshalJSON writes the members in order.
func (o orderedObject) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, kv := range o {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, err := json.Marshal(kv.Key)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(kv.Value)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", kv.Key, err)
		}
		buf.Write(k)
		buf.WriteByte(':')
		buf.Write(v)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// UnmarshalJSON keeps the members in document order; values stay raw.
func (o *orderedObject) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return fmt.Errorf("object expected")
	}
	*o = (*o)[:0]
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string) // object keys are always strings
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		*o = append(*o, keyValue{key, raw})
	}
	_, err := dec.Token()
	return err
}

// get returns the raw value of key, if present.
func (o orderedObject) get(key string) (any, bool) {
	for _, kv := range o {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return nil, false
}
