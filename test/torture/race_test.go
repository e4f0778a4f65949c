//go:build race

package torture

// Under go test -race the daemon is built with the race detector too, so
// that a data race it hits while being killed and restarted is reported.
func init() { raceEnabled = true }
