package pgtest

import "syscall"

// procAttr runs postgres as cred and, unless detached, sends it SIGINT (a
// fast shutdown) when this process dies, so that a test binary killed by
// go test's timeout does not leave a server behind. Setpgid keeps a
// terminal's Ctrl-C away from it: the test binary stops it itself.
func procAttr(cred *syscall.Credential, detach bool) *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Credential: cred, Setpgid: true}
	if !detach {
		a.Pdeathsig = syscall.SIGINT
	}
	return a
}
