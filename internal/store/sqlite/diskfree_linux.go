package sqlite

import "syscall"

// freeBytes is the space left to unprivileged writers on the file system
// holding dir, and whether it could be read.
func freeBytes(dir string) (uint64, bool) {
	var fs syscall.Statfs_t
	if err := syscall.Statfs(dir, &fs); err != nil {
		return 0, false
	}
	return fs.Bavail * uint64(fs.Bsize), true
}
