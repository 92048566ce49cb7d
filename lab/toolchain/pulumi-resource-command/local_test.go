package main

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"
)

var localURN = string(resource.NewURN("dev", "proj", "", localCmdTok, "cmd"))

type logged struct {
	Sev       diag.Severity
	URN       resource.URN
	Msg       string
	Ephemeral bool // LogStatus: shown beside the resource while it runs, not in the final output
}

// fakeHost records what the provider sends to the engine.
type fakeHost struct {
	mu   sync.Mutex
	logs []logged
}

func (f *fakeHost) Log(_ context.Context, sev diag.Severity, urn resource.URN, msg string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.logs = append(f.logs, logged{sev, urn, msg, false})
	return nil
}

func (f *fakeHost) LogStatus(_ context.Context, sev diag.Severity, urn resource.URN, msg string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.logs = append(f.logs, logged{sev, urn, msg, true})
	return nil
}

// take returns what was logged since the last call.
func (f *fakeHost) take() []logged {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.logs
	f.logs = nil
	return out
}

// lasting returns the non-ephemeral diagnostics among logs (what the CLI lists under Diagnostics).
func lasting(logs []logged) []logged {
	var out []logged
	for _, l := range logs {
		if !l.Ephemeral {
			out = append(out, l)
		}
	}
	return out
}

// statusLines returns the ephemeral messages among logs, in order.
func statusLines(logs []logged) []string {
	var out []string
	for _, l := range logs {
		if l.Ephemeral {
			out = append(out, l.Msg)
		}
	}
	return out
}

func mustMarshal(t *testing.T, m propertyMap) *structpb.Struct {
	t.Helper()
	s, err := marshal(m, "test")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustUnmarshal(t *testing.T, s *structpb.Struct) propertyMap {
	t.Helper()
	m, err := unmarshal(s, "test")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// checked runs the inputs through the provider's Check, as the engine does.
func checked(t *testing.T, p *cmdProvider, in map[string]any) *structpb.Struct {
	t.Helper()
	resp, err := p.Check(context.Background(), &pulumirpc.CheckRequest{Urn: localURN, News: mustMarshal(t, pm(in))})
	if err != nil || len(resp.GetFailures()) != 0 {
		t.Fatalf("Check: %v %v", err, resp.GetFailures())
	}
	return resp.GetInputs()
}

func createLocal(t *testing.T, p *cmdProvider, in map[string]any) (propertyMap, error) {
	t.Helper()
	resp, err := p.Create(context.Background(), &pulumirpc.CreateRequest{Urn: localURN, Properties: checked(t, p, in)})
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(resp.GetId(), "cmd") {
		t.Errorf("id %q should start with the resource name", resp.GetId())
	}
	return mustUnmarshal(t, resp.GetProperties()), nil
}

func str(m propertyMap, k string) string {
	if s := strProp(m, k); s != nil {
		return *s
	}
	return "<absent>"
}

func TestCheckLocal(t *testing.T) {
	out, fails := checkLocalInputs(pm(map[string]any{"create": "true"}))
	if len(fails) != 0 {
		t.Fatalf("unexpected failures: %+v", fails)
	}
	if !out["addPreviousOutputInEnv"].BoolValue() {
		t.Errorf("addPreviousOutputInEnv default should be true")
	}
	if _, ok := out["interpreter"]; ok {
		t.Errorf("the interpreter default must not be recorded in the inputs")
	}
	ok := pm(map[string]any{
		"create": "x", "dir": "/tmp", "interpreter": []any{"/bin/bash", "-c"}, "stdin": "in",
		"environment": map[string]any{"A": "1"}, "triggers": []any{1}, "logging": "none",
		"assetPaths": []any{}, // asks for nothing: accepted
	})
	ok["interpreter"] = resource.NewArrayProperty([]resource.PropertyValue{
		resource.NewStringProperty("/bin/bash"), resource.MakeComputed(resource.NewStringProperty("")),
	})
	if _, fails := checkLocalInputs(ok); len(fails) != 0 {
		t.Fatalf("valid inputs rejected: %+v", fails)
	}

	cases := map[string]struct {
		in         map[string]any
		prop, text string
	}{
		"assetPaths":        {map[string]any{"assetPaths": []any{"*.txt"}}, "assetPaths", "assetPaths is not supported"},
		"archivePaths":      {map[string]any{"archivePaths": []any{"**"}}, "archivePaths", "archivePaths is not supported"},
		"connection":        {map[string]any{"connection": map[string]any{"host": "h"}}, "connection", localCmdTok},
		"output stdout":     {map[string]any{"stdout": "x"}, "stdout", "output property"},
		"interpreter type":  {map[string]any{"interpreter": "/bin/sh -c"}, "interpreter", "list of strings"},
		"interpreter elem":  {map[string]any{"interpreter": []any{"/bin/sh", 3}}, "interpreter[1]", "must be strings"},
		"interpreter empty": {map[string]any{"interpreter": []any{""}}, "interpreter[0]", "must not be empty"},
		"dir type":          {map[string]any{"dir": 3}, "dir", "dir must be a string"},
		"bad env name":      {map[string]any{"environment": map[string]any{"A=B": "x"}}, "environment.A=B", "not a valid"},
		"create type":       {map[string]any{"create": true}, "create", "must be a string"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, fails := checkLocalInputs(pm(tc.in))
			if len(fails) != 1 || fails[0].Property != tc.prop || !strings.Contains(fails[0].Reason, tc.text) {
				t.Fatalf("want one failure on %q containing %q, got %+v", tc.prop, tc.text, fails)
			}
		})
	}

	// The remote type still rejects local-only inputs, and other types are refused.
	in := baseInputs()
	in["dir"] = resource.NewStringProperty("/tmp")
	if _, fails := checkInputs(in); len(fails) != 1 || fails[0].Property != "dir" {
		t.Errorf("remote must reject dir: %+v", fails)
	}
	p := newProvider()
	if _, err := p.Check(context.Background(), &pulumirpc.CheckRequest{Type: "command:local:Run"}); err == nil {
		t.Errorf("an unimplemented type must be refused")
	}
	resp, err := p.Check(context.Background(), &pulumirpc.CheckRequest{
		Urn: localURN, News: mustMarshal(t, pm(map[string]any{"assetPaths": []any{"a"}})),
	})
	if err != nil || len(resp.GetFailures()) != 1 || resp.GetFailures()[0].GetProperty() != "assetPaths" {
		t.Errorf("Check over gRPC must reject assetPaths: %v %v", err, resp.GetFailures())
	}
}

func TestLocalLifecycle(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "deleted")
	host := &fakeHost{}
	p := newProvider()
	p.host = host

	// Create: stdin, environment, dir; one trailing newline trimmed.
	in := map[string]any{
		"create":      `read line; echo "$line/$GREETING/$(pwd)"; echo err >&2; printf 'two\n\n'`,
		"update":      `echo "updated from [$PULUMI_COMMAND_STDOUT] [$PULUMI_COMMAND_STDERR]"`,
		"delete":      `echo "$PULUMI_COMMAND_STDOUT" > deleted; echo 'warning: host node-3 unreachable: not cleaned' >&2`,
		"stdin":       "from-stdin\n",
		"environment": map[string]any{"GREETING": "hello world"},
		"dir":         dir,
	}
	state, err := createLocal(t, p, in)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := str(state, "stdout"), "from-stdin/hello world/"+dir+"\ntwo\n"; got != want {
		t.Errorf("create stdout %q, want %q", got, want)
	}
	if str(state, "stderr") != "err" || str(state, "create") != in["create"] {
		t.Errorf("state: %v", state)
	}

	// Update runs `update` with the previous outputs in its environment.
	newIn := checked(t, p, in)
	uresp, err := p.Update(context.Background(), &pulumirpc.UpdateRequest{
		Urn: localURN, Olds: mustMarshal(t, state), News: newIn,
	})
	if err != nil {
		t.Fatal(err)
	}
	ustate := mustUnmarshal(t, uresp.GetProperties())
	if got, want := str(ustate, "stdout"), "updated from [from-stdin/hello world/"+dir+"\ntwo\n] [err]"; got != want {
		t.Errorf("update stdout %q, want %q", got, want)
	}

	// Without `update`, `create` runs again; with addPreviousOutputInEnv=false no previous outputs.
	in2 := map[string]any{"create": `echo "again:${PULUMI_COMMAND_STDOUT-unset}"`, "addPreviousOutputInEnv": false}
	uresp, err = p.Update(context.Background(), &pulumirpc.UpdateRequest{
		Urn: localURN, Olds: mustMarshal(t, ustate), News: checked(t, p, in2),
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := str(mustUnmarshal(t, uresp.GetProperties()), "stdout"); got != "again:unset" {
		t.Errorf("update fallback to create: stdout %q", got)
	}

	// No command at all: a no-op that keeps the previous outputs.
	uresp, err = p.Update(context.Background(), &pulumirpc.UpdateRequest{
		Urn: localURN, Olds: mustMarshal(t, ustate), News: checked(t, p, map[string]any{}),
	})
	if err != nil {
		t.Fatal(err)
	}
	if s := mustUnmarshal(t, uresp.GetProperties()); str(s, "stdout") != str(ustate, "stdout") || str(s, "stderr") != "" {
		t.Errorf("no-op update must keep outputs: %v", s)
	}

	// Delete sees the last outputs. A `warning: ` line is nothing special (as upstream): an ephemeral info line
	// like every other, never a warning diagnostic.
	host.take()
	if _, err := p.Delete(context.Background(), &pulumirpc.DeleteRequest{
		Urn: localURN, Properties: mustMarshal(t, ustate),
	}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(marker)
	if err != nil || string(b) != str(ustate, "stdout")+"\n" {
		t.Errorf("delete did not see PULUMI_COMMAND_STDOUT: %q %v", b, err)
	}
	want := []logged{{diag.Info, resource.URN(localURN), "warning: host node-3 unreachable: not cleaned", true}}
	if got := host.take(); !reflect.DeepEqual(got, want) {
		t.Errorf("logged %+v, want %+v", got, want)
	}

	// No delete command: nothing runs.
	if _, err := p.Delete(context.Background(), &pulumirpc.DeleteRequest{
		Urn: localURN, Properties: mustMarshal(t, pm(map[string]any{"stdout": "x"})),
	}); err != nil {
		t.Fatal(err)
	}

	// Read returns the state unchanged, inputs without the outputs.
	rresp, err := p.Read(context.Background(), &pulumirpc.ReadRequest{Urn: localURN, Id: "cmd1", Properties: mustMarshal(t, ustate)})
	if err != nil {
		t.Fatal(err)
	}
	if ri := mustUnmarshal(t, rresp.GetInputs()); ri.HasValue("stdout") || !ri.HasValue("delete") {
		t.Errorf("read inputs: %v", ri)
	}
}

func TestLocalInterpreterAndEnv(t *testing.T) {
	p := newProvider()
	t.Setenv("KUBEADM_PULUMI_TEST_INHERITED", "inherited")
	state, err := createLocal(t, p, map[string]any{
		"interpreter": []any{"/bin/sh", "-c", `printf '%s|' "$0" "$1"; echo "$KUBEADM_PULUMI_TEST_INHERITED $HOME_OVERRIDE"`, "arg0"},
		"create":      "last-arg",
		"environment": map[string]any{"HOME_OVERRIDE": "x"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := str(state, "stdout"); got != "arg0|last-arg|inherited x" {
		t.Errorf("interpreter argv / env: stdout %q", got)
	}
	// The environment input wins over the provider's own environment.
	t.Setenv("KUBEADM_PULUMI_TEST_VAR", "provider")
	state, err = createLocal(t, p, map[string]any{
		"create": `echo "$KUBEADM_PULUMI_TEST_VAR"`, "environment": map[string]any{"KUBEADM_PULUMI_TEST_VAR": "input"},
	})
	if err != nil || str(state, "stdout") != "input" {
		t.Errorf("environment override: %v %v", state, err)
	}
	// A missing dir fails the step.
	if _, err := createLocal(t, p, map[string]any{"create": "true", "dir": filepath.Join(t.TempDir(), "nope")}); err == nil {
		t.Errorf("a missing dir must fail")
	}
}

func TestLocalFailure(t *testing.T) {
	host := &fakeHost{}
	p := newProvider()
	p.host = host
	cmd := "echo some-out; echo 'warning: disk almost full' >&2; echo boom >&2; exit 3"
	_, err := createLocal(t, p, map[string]any{"create": cmd})
	if err == nil {
		t.Fatal("non-zero exit must fail")
	}
	// Upstream's text: the exit error, the whole command quoted, then stdout and stderr merged as they came
	// (two pipes: stdout's line may land before or after stderr's).
	prefix := "exit status 3: running " + strconv.Quote(cmd) + ":\n"
	if !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), "some-out\n") ||
		!strings.Contains(err.Error(), "warning: disk almost full\nboom\n") {
		t.Errorf("error\n got %q\nwant %q and the output", err, prefix)
	}
	logs := host.take()
	if got := lasting(logs); len(got) != 0 {
		t.Errorf("a failing command's output is no diagnostic: %+v", got)
	}
	if got := statusLines(logs); !sameLines(got, []string{"some-out", "warning: disk almost full", "boom"}) {
		t.Errorf("streamed lines: %q", got)
	}
}

func TestLocalLogging(t *testing.T) {
	cmd := "echo out-line; echo err-line >&2"
	for logging, want := range map[string][]string{
		"":                {"out-line", "err-line"},
		"stdoutAndStderr": {"out-line", "err-line"},
		"stdout":          {"out-line"},
		"stderr":          {"err-line"},
		"none":            nil,
	} {
		t.Run("logging="+logging, func(t *testing.T) {
			host := &fakeHost{}
			p := newProvider()
			p.host = host
			in := map[string]any{"create": cmd}
			if logging != "" {
				in["logging"] = logging
			}
			state, err := createLocal(t, p, in)
			if err != nil {
				t.Fatal(err)
			}
			if str(state, "stdout") != "out-line" || str(state, "stderr") != "err-line" {
				t.Errorf("logging never changes the outputs: %v", state)
			}
			// stdout and stderr share one pipe (as upstream): their lines may come in either order.
			if got := statusLines(host.take()); !sameLines(got, want) {
				t.Errorf("streamed %q, want %q", got, want)
			}
		})
	}
}

func TestLocalTimeoutKillsOnlyTheInterpreter(t *testing.T) {
	// Upstream uses exec.CommandContext: a custom timeout kills the interpreter, and the plugin then waits for any
	// child that still holds its output (here the sleep), so the timeout does not cut the wait short.
	p := newProvider()
	start := time.Now()
	resp, err := p.Create(context.Background(), &pulumirpc.CreateRequest{
		Urn:        localURN,
		Properties: checked(t, p, map[string]any{"create": "sleep 2; echo done"}),
		Timeout:    0.3,
	})
	if err == nil || !strings.HasPrefix(err.Error(), "signal: killed: running ") {
		t.Fatalf("want the interpreter killed, got %v %v", resp, err)
	}
	if d := time.Since(start); d < 1500*time.Millisecond {
		t.Errorf("returned after %v: the plugin must wait for the child holding the output", d)
	}
}

func TestLocalNilHost(t *testing.T) {
	p := newProvider() // no engine client, as in unit tests
	if _, err := createLocal(t, p, map[string]any{"create": "echo 'warning: x' >&2"}); err != nil {
		t.Fatal(err)
	}
}

func TestLocalEmptyStdinAndPreviousOutputs(t *testing.T) {
	p := newProvider()
	// Empty previous outputs are not set at all; an empty stdin is no stdin.
	uresp, err := p.Update(context.Background(), &pulumirpc.UpdateRequest{
		Urn:  localURN,
		Olds: mustMarshal(t, withStateLocal(map[string]any{"create": "x"})),
		News: checked(t, p, map[string]any{
			"create": `echo "[${PULUMI_COMMAND_STDOUT-unset}] [${PULUMI_COMMAND_STDERR-unset}]"`, "stdin": "",
		}),
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := str(mustUnmarshal(t, uresp.GetProperties()), "stdout"); got != "[out] [unset]" {
		t.Errorf("stdout %q", got)
	}
}

func TestLocalDiff(t *testing.T) {
	olds := withStateLocal(map[string]any{"create": "a", "interpreter": []any{"/bin/sh", "-c"}})
	news, _ := checkLocalInputs(pm(map[string]any{"create": "a", "interpreter": []any{"/bin/bash", "-c"}, "dir": "/tmp"}))
	d := computeDiff(olds, news)
	if len(d.Replaces) != 0 || d.DetailedDiff["interpreter"].GetKind() != pulumirpc.PropertyDiff_UPDATE ||
		d.DetailedDiff["dir"].GetKind() != pulumirpc.PropertyDiff_ADD {
		t.Errorf("interpreter/dir changes are in-place: %v", d)
	}
	news, _ = checkLocalInputs(pm(map[string]any{"create": "a", "interpreter": []any{"/bin/sh", "-c"}, "triggers": []any{"x"}}))
	if d := computeDiff(olds, news); len(d.Replaces) != 1 || d.Replaces[0] != "triggers" || d.DeleteBeforeReplace {
		t.Errorf("triggers replace (create-before-delete): %v", d)
	}
	p := newProvider()
	if _, err := p.Diff(context.Background(), &pulumirpc.DiffRequest{
		Urn: localURN, Olds: mustMarshal(t, olds), News: mustMarshal(t, news),
	}); err != nil {
		t.Errorf("Diff over gRPC: %v", err)
	}
}

func withStateLocal(in map[string]any) propertyMap {
	out, _ := checkLocalInputs(pm(in))
	out["stdout"] = resource.NewStringProperty("out")
	out["stderr"] = resource.NewStringProperty("")
	return out
}
