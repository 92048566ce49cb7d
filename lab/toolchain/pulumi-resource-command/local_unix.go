//go:build unix

package main

import (
	"os/exec"
	"syscall"
)

// setProcessGroup runs c in its own process group, so that a Cancel or timeout
// sends SIGTERM to the command and everything it started, not only to the
// interpreter (exec.Cmd's WaitDelay sends SIGKILL to the interpreter later).
func setProcessGroup(c *exec.Cmd) {
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	c.Cancel = func() error { return syscall.Kill(-c.Process.Pid, syscall.SIGTERM) }
}
