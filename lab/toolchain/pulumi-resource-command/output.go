package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// runResult is what a command produced.
type runResult struct {
	Stdout, Stderr string
}

// previous is what a command is given of its resource's earlier outputs (update and delete; never create).
type previous struct {
	add            bool // addPreviousOutputInEnv
	Stdout, Stderr string
}

// env lists PULUMI_COMMAND_STDOUT/STDERR as upstream sets them: only when asked for and only when non-empty.
func (p previous) env() [][2]string {
	var out [][2]string
	if !p.add {
		return nil
	}
	if p.Stdout != "" {
		out = append(out, [2]string{"PULUMI_COMMAND_STDOUT", p.Stdout})
	}
	if p.Stderr != "" {
		out = append(out, [2]string{"PULUMI_COMMAND_STDERR", p.Stderr})
	}
	return out
}

// lineLogger sends what a command run reports to the engine, on the command's resource. With a nil host (unit
// tests without an engine) it only records nothing.
type lineLogger struct {
	ctx     context.Context
	host    engineLogger
	urn     resource.URN
	logging string // the `logging` input; "" = upstream's default, stdout and stderr
}

func (l *lineLogger) logStdout() bool {
	return l.logging == "" || l.logging == "stdout" || l.logging == "stdoutAndStderr"
}

func (l *lineLogger) logStderr() bool {
	return l.logging == "" || l.logging == "stderr" || l.logging == "stdoutAndStderr"
}

// status is an ephemeral message: the CLI shows it beside the resource while it runs, not in the final output.
func (l *lineLogger) status(msg string) {
	if l != nil && l.host != nil {
		_ = l.host.LogStatus(l.ctx, diag.Info, l.urn, msg)
	}
}

// log is a lasting diagnostic (upstream's Errorf/Warningf on the resource).
func (l *lineLogger) log(sev diag.Severity, msg string) {
	if l != nil && l.host != nil {
		_ = l.host.Log(l.ctx, sev, l.urn, msg)
	}
}

// syncBuffer is a bytes.Buffer two output copiers may write at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// captured collects a command's stdout, stderr and both merged (for the error text), and streams the lines that
// `logging` selects through one pipe, as upstream does: stdout and stderr lines can so interleave, and a line
// longer than bufio.Scanner's 64 KiB stops the streaming (upstream then blocks the command's output too).
type captured struct {
	stdout, stderr io.Writer
	out, err       syncBuffer
	combined       syncBuffer
	pipe           *io.PipeWriter
	done           chan struct{}
}

func (l *lineLogger) capture() *captured {
	c := &captured{done: make(chan struct{})}
	r, w := io.Pipe()
	c.pipe = w
	outs := []io.Writer{&c.out, &c.combined}
	errs := []io.Writer{&c.err, &c.combined}
	if l.logStdout() {
		outs = append(outs, w)
	}
	if l.logStderr() {
		errs = append(errs, w)
	}
	c.stdout, c.stderr = io.MultiWriter(outs...), io.MultiWriter(errs...)
	go func() {
		defer close(c.done)
		scanner := bufio.NewScanner(r)
		for scanner.Scan() {
			l.status(scanner.Text())
		}
	}()
	return c
}

// finish ends the streaming and returns the result, or upstream's error: `<err>: running "<cmd>":\n<output>`.
func (c *captured) finish(cmd string, err error) (runResult, error) {
	_ = c.pipe.Close()
	<-c.done
	if err != nil {
		return runResult{}, fmt.Errorf("%w: running %q:\n%s", err, cmd, c.combined.String())
	}
	return runResult{
		Stdout: strings.TrimSuffix(c.out.String(), "\n"),
		Stderr: strings.TrimSuffix(c.err.String(), "\n"),
	}, nil
}
