package main

import "syscall"

// dieWithParent: FerretDB is killed when this process dies, however it dies (a SIGKILL included),
// so that no server outlives the one its starter knows about.
func dieWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
