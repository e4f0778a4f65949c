//go:build !linux

package ckpt

import "io/fs"

// listDisk reads directories with getdents64 on Linux only; elsewhere the
// listing goes through fs.ReadDirFile.
func listDisk(fs.FS, fs.File, *stepGrouper) (bool, error) { return false, nil }
