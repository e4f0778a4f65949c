//go:build race

package campaign

// raceEnabled: the test binary was built with -race, so the daemon is too.
const raceEnabled = true
