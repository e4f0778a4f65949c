package lease

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"
)

// File names inside the lease directory.
const (
	LeaseFile = "lease.json"
	LockFile  = "lock"
	// StaleFile is where a taken-over lease is kept for inspection.
	StaleFile = "lease.json.stale"
)

// Holder is who holds a lease, as written in lease.json.
type Holder struct {
	Host      string    `json:"host"`
	PID       int       `json:"pid"`
	Started   time.Time `json:"started"`
	Heartbeat time.Time `json:"heartbeat"`
	Version   string    `json:"version,omitempty"`
}

// sameOwner reports whether h and o are the same acquisition: the same
// process on the same host, started at the same instant.
func (h Holder) sameOwner(o Holder) bool {
	return h.Host == o.Host && h.PID == o.PID && h.Started.Equal(o.Started)
}

// sameLease reports whether h and o are the same lease file content as far
// as staleness goes: same owner and same heartbeat.
func (h Holder) sameLease(o Holder) bool {
	return h.sameOwner(o) && h.Heartbeat.Equal(o.Heartbeat)
}

// ErrLost is returned by Renew when lease.json no longer names this
// process: another daemon took the lease over and this one must stop
// acting.
var ErrLost = errors.New("lease lost: another nanosupervisord took it over")

// HeldError is returned by Acquire when another process holds the lease.
type HeldError struct {
	Holder Holder // zero when the lock is held but lease.json is missing or unreadable
	Path   string // the lease file
	// Age is how old the holder's heartbeat was when Acquire gave up.
	Age time.Duration
}

func (e *HeldError) Error() string {
	if e.Holder.Host == "" && e.Holder.PID == 0 {
		return fmt.Sprintf("another nanosupervisord holds %s: holder not recorded (lease file missing or unreadable, lock held)", e.Path)
	}
	return fmt.Sprintf("another nanosupervisord holds %s: pid %d on host %s, heartbeat %s ago",
		e.Path, e.Holder.PID, e.Holder.Host, max(e.Age, 0).Round(time.Second))
}

// readLease reads a lease file. A file that exists but does not decode is
// reported through corrupt, with a Holder whose only field is Heartbeat,
// set to the file's modification time: a damaged lease then still blocks
// others until it is older than the TTL, like any other.
func readLease(path string) (h Holder, corrupt error, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return Holder{}, nil, err
		}
		return Holder{}, nil, fmt.Errorf("lease: %w", err)
	}
	if jerr := json.Unmarshal(data, &h); jerr == nil && h.Host != "" && h.PID > 0 && !h.Heartbeat.IsZero() {
		return h, nil, nil
	} else if jerr == nil {
		corrupt = errors.New("lease file lacks host, pid or heartbeat")
	} else {
		corrupt = jerr
	}
	fi, err := os.Stat(path)
	if err != nil {
		return Holder{}, nil, fmt.Errorf("lease: %w", err)
	}
	return Holder{Heartbeat: fi.ModTime()}, corrupt, nil
}

// encodeHolder renders h as the content of lease.json.
func encodeHolder(h Holder) ([]byte, error) {
	data, err := json.MarshalIndent(h, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("lease: %w", err)
	}
	return append(data, '\n'), nil
}
