package main

import (
	"net"
	"os"
	"path/filepath"

	"github.com/rogpeppe/go-internal/testscript"
)

// builtinNotifySocket stands in for systemd's notify socket: it sets
// NOTIFY_SOCKET for the commands that follow and appends every message
// received to FILE, one per line, until the script ends:
//
//	notifysocket FILE
func builtinNotifySocket(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: notifysocket FILE")
	}
	// A socket path must be short (108 bytes): not inside $WORK.
	dir, err := os.MkdirTemp("", "nsv-notify")
	ts.Check(err)
	sock := filepath.Join(dir, "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	ts.Check(err)
	out, err := os.OpenFile(ts.MkAbs(args[0]), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	ts.Check(err)
	ts.Defer(func() {
		conn.Close()
		out.Close()
		os.RemoveAll(dir)
	})
	ts.Setenv("NOTIFY_SOCKET", sock)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			out.Write(append(buf[:n:n], '\n'))
		}
	}()
}
