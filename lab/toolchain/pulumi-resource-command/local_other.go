//go:build !unix

package main

import "os/exec"

// setProcessGroup: outside Unix, a Cancel or timeout kills only the process itself.
func setProcessGroup(*exec.Cmd) {}
