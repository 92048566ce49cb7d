package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// defaultInterpreter is upstream's default on Linux and macOS.
var defaultInterpreter = []string{"/bin/sh", "-c"}

// localWaitDelay bounds how long a local command may take to exit after a
// Cancel/timeout (SIGTERM to its process group, then SIGKILL), and how long a
// background child that inherited stdout/stderr may keep them open after the
// command itself has exited.
const localWaitDelay = 10 * time.Second

// localConfig is the decoded `interpreter` and `dir` of a command:local:Command.
type localConfig struct {
	Interpreter []string
	Dir         string
}

func parseLocal(inputs propertyMap) (localConfig, error) {
	lc := localConfig{Interpreter: defaultInterpreter}
	if s := strProp(inputs, "dir"); s != nil {
		lc.Dir = *s
	}
	if v, ok := present(inputs, "interpreter"); ok {
		if !v.IsArray() {
			return lc, errors.New("interpreter must be a list of strings")
		}
		var argv []string
		for i, a := range v.ArrayValue() {
			if !a.IsString() {
				return lc, fmt.Errorf("interpreter[%d] must be a string", i)
			}
			argv = append(argv, a.StringValue())
		}
		if len(argv) > 0 { // an empty list means the default, as upstream
			lc.Interpreter = argv
		}
	}
	if lc.Interpreter[0] == "" {
		return lc, errors.New("interpreter[0] (the program to run) must not be empty")
	}
	return lc, nil
}

// envList renders env as sorted KEY=value entries.
func envList(env map[string]string) []string {
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// runLocal runs interpreter... cmd as a local process in lc.Dir, with the
// provider's own environment plus env and stdin. A non-zero exit is an error
// carrying the exit status, stdout and stderr (as the remote command does).
func runLocal(ctx context.Context, lc localConfig, op, cmd string, env map[string]string, stdin *string) (runResult, error) {
	argv := append(append([]string(nil), lc.Interpreter...), cmd)
	c := exec.CommandContext(ctx, argv[0], argv[1:]...)
	c.Dir = lc.Dir
	c.Env = append(os.Environ(), envList(env)...) // later entries win
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	if stdin != nil {
		c.Stdin = strings.NewReader(*stdin)
	}
	setProcessGroup(c)
	c.WaitDelay = localWaitDelay
	err := c.Run()
	res := runResult{
		Stdout: strings.TrimSuffix(stdout.String(), "\n"),
		Stderr: strings.TrimSuffix(stderr.String(), "\n"),
	}
	if errors.Is(err, exec.ErrWaitDelay) && ctx.Err() == nil {
		// The command exited 0; only a background child still held its output open.
		err = nil
	}
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%v)", ctx.Err(), err)
		}
		return res, fmt.Errorf("%s command (local, %s) failed: %w\nstdout:\n%s\nstderr:\n%s",
			op, argv[0], err, res.Stdout, res.Stderr)
	}
	return res, nil
}

// warningPrefix marks a stderr line that is reported to the engine as a warning.
const warningPrefix = "warning: "

// warningLines returns the messages of the stderr lines that start with
// "warning: ", without that prefix (the engine prints its own "warning: "),
// in order. A trailing "\r" is dropped; a line with nothing after the prefix
// is skipped.
func warningLines(stderr string) []string {
	var out []string
	for _, line := range strings.Split(stderr, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if msg, ok := strings.CutPrefix(line, warningPrefix); ok && strings.TrimSpace(msg) != "" {
			out = append(out, msg)
		}
	}
	return out
}

// reportWarnings sends every `warning: ` line of stderr to the engine as a
// (non-ephemeral) Warning diagnostic on urn. It works after a Cancel or
// timeout too, and ignores delivery errors: the step's result does not depend
// on them.
func (p *cmdProvider) reportWarnings(ctx context.Context, urn resource.URN, stderr string) {
	msgs := warningLines(stderr)
	if p.host == nil || len(msgs) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	for _, m := range msgs {
		_ = p.host.Log(ctx, diag.Warning, urn, m)
	}
}
