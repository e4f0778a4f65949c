//go:build !unix

package notify

import "os/exec"

// killProcessGroup leaves exec's default: on timeout only the command
// itself is killed.
func killProcessGroup(*exec.Cmd) {}
