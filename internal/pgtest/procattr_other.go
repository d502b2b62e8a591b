//go:build !linux

package pgtest

import "syscall"

// procAttr runs postgres as cred in its own process group, so that a
// terminal's Ctrl-C reaches only the test binary, which stops it itself.
// Outside Linux nothing stops it if the test binary is killed.
func procAttr(cred *syscall.Credential, detach bool) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: cred, Setpgid: true}
}
