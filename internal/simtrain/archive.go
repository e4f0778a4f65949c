package simtrain

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"path"
	"sort"
	"strconv"
	"strings"
)

// torch.save's zip layout, as PyTorch 2.x writes it for a path: every entry
// sits under a folder named after the file's stem ("model_002000/data.pkl";
// only a file-like object gets "archive/"), entries are stored uncompressed,
// and each record's data starts on a 64-byte boundary, padded with an "FB"
// extra field in the local header.
const (
	torchAlignment   = 64
	torchPadHeaderID = 0x4246 // "FB"
	torchVersion     = "3\n"
	zipLocalHeader   = 30
	zipExtraHeader   = 4
	storagesPerModel = 16 // the fixture d2 model has 16 storages
)

// TorchArchive builds a torch.save-like zip of about size bytes for the file
// named name (its stem becomes the archive folder). The contents depend only
// on name and size, so a re-save writes the same bytes.
func TorchArchive(name string, size int64) ([]byte, error) {
	stem := strings.TrimSuffix(path.Base(name), path.Ext(name))
	pickle := pickleSummary(stem, storagesPerModel)
	overhead := int64((storagesPerModel + 4) * (zipLocalHeader + 46 + 2*torchAlignment + 2*len(stem)))
	payload := max(size-overhead-int64(len(pickle)), storagesPerModel)
	storages := storageSizes(payload, storagesPerModel)

	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(entry string, data []byte) error {
		return addAligned(zw, &buf, stem+"/"+entry, data)
	}
	if err := add("data.pkl", pickle); err != nil {
		return nil, err
	}
	if err := add("byteorder", []byte("little")); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(uint64(size), uint64(crc32.ChecksumIEEE([]byte(name)))))
	for _, key := range storageKeys(len(storages)) {
		i, _ := strconv.Atoi(key)
		data := make([]byte, storages[i])
		for j := range data {
			data[j] = byte(rng.Uint32())
		}
		if err := add("data/"+key, data); err != nil {
			return nil, err
		}
	}
	if err := add("version", []byte(torchVersion)); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("%s: close zip: %w", name, err)
	}
	return buf.Bytes(), nil
}

// addAligned stores data so that it starts on a torchAlignment boundary.
// CreateRaw with known sizes writes no data descriptor, so the offset of the
// next local header is exactly what buf holds after a flush.
func addAligned(zw *zip.Writer, buf *bytes.Buffer, name string, data []byte) error {
	if err := zw.Flush(); err != nil {
		return err
	}
	start := buf.Len() + zipLocalHeader + len(name) + zipExtraHeader
	pad := (torchAlignment - start%torchAlignment) % torchAlignment
	extra := make([]byte, zipExtraHeader+pad)
	binary.LittleEndian.PutUint16(extra[0:], torchPadHeaderID)
	binary.LittleEndian.PutUint16(extra[2:], uint16(pad))
	for i := zipExtraHeader; i < len(extra); i++ {
		extra[i] = 'Z'
	}
	w, err := zw.CreateRaw(&zip.FileHeader{
		Name:               name,
		Method:             zip.Store,
		CRC32:              crc32.ChecksumIEEE(data),
		CompressedSize64:   uint64(len(data)),
		UncompressedSize64: uint64(len(data)),
		Extra:              extra,
	})
	if err != nil {
		return fmt.Errorf("zip entry %s: %w", name, err)
	}
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("zip entry %s: %w", name, err)
	}
	return nil
}

// storageKeys are torch's storage keys in the order torch.save writes them:
// sorted as strings, so "10" comes before "2".
func storageKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = strconv.Itoa(i)
	}
	sort.Strings(keys)
	return keys
}

// storageSizes splits payload bytes into n storages shaped like a small GPT's:
// two large embeddings, then equal blocks.
func storageSizes(payload int64, n int) []int64 {
	sizes := make([]int64, n)
	big := payload / 4
	rest := (payload - 2*big) / int64(n-2)
	sizes[0], sizes[1] = big, big
	for i := 2; i < n; i++ {
		sizes[i] = rest
	}
	sizes[n-1] += payload - 2*big - rest*int64(n-2)
	return sizes
}

// pickleSummary is a valid protocol-2 pickle of a small dict describing the
// simulated state ({"format": "nsv-simtrain", "name": stem, "storages": n}),
// so that Python's pickle.loads can read data.pkl. It holds no tensors.
func pickleSummary(stem string, storages int) []byte {
	var b bytes.Buffer
	b.Write([]byte{0x80, 2, '}', '('}) // PROTO 2, EMPTY_DICT, MARK
	str := func(s string) {
		b.WriteByte('X') // BINUNICODE
		_ = binary.Write(&b, binary.LittleEndian, uint32(len(s)))
		b.WriteString(s)
	}
	str("format")
	str("nsv-simtrain")
	str("name")
	str(stem)
	str("storages")
	b.WriteByte('J') // BININT
	_ = binary.Write(&b, binary.LittleEndian, int32(storages))
	b.Write([]byte{'u', '.'}) // SETITEMS, STOP
	return b.Bytes()
}
