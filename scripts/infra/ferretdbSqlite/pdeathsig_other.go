//go:build !linux

package main

import "syscall"

// dieWithParent: only Linux can tie a child's life to its parent's; elsewhere a SIGKILL of this
// process leaves FerretDB running until its starter stops it.
func dieWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{}
}
