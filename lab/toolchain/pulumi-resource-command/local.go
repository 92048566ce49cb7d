package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
)

// defaultInterpreter is upstream's default on Linux and macOS.
var defaultInterpreter = []string{"/bin/sh", "-c"}

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

// runLocal runs interpreter... cmd as upstream's local command does: a child of the plugin (exec.CommandContext,
// so a Cancel or custom timeout kills the interpreter only, and the plugin waits for any child that still holds
// its output), in lc.Dir or else the plugin's working directory, with the plugin's environment plus `environment`
// (an input wins) plus PULUMI_COMMAND_STDOUT/STDERR when non-empty; stdin fed only when non-empty; output
// streamed as `logging` selects; a failure reads `<error>: running "<command>":` and the combined output.
func runLocal(ctx context.Context, lg *lineLogger, lc localConfig, cmd string, env map[string]string,
	prev previous, stdin *string,
) (runResult, error) {
	argv := append(append([]string(nil), lc.Interpreter...), cmd)
	c := exec.CommandContext(ctx, argv[0], argv[1:]...)
	out := lg.capture()
	c.Stdout, c.Stderr = out.stdout, out.stderr
	c.Dir = lc.Dir
	if c.Dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return runResult{}, err
		}
		c.Dir = wd
	}
	c.Env = os.Environ()
	for _, k := range sortedEnvKeys(env) {
		c.Env = append(c.Env, k+"="+env[k])
	}
	for _, kv := range prev.env() {
		c.Env = append(c.Env, kv[0]+"="+kv[1])
	}
	if stdin != nil && len(*stdin) > 0 {
		c.Stdin = strings.NewReader(*stdin)
	}
	err := c.Start()
	if err == nil {
		err = c.Wait()
	}
	return out.finish(cmd, err)
}

func sortedEnvKeys(env map[string]string) []string {
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
