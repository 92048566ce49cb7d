package main

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
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
	Sev diag.Severity
	URN resource.URN
	Msg string
}

// fakeHost records what the provider logs to the engine.
type fakeHost struct {
	mu   sync.Mutex
	logs []logged
}

func (f *fakeHost) Log(_ context.Context, sev diag.Severity, urn resource.URN, msg string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.logs = append(f.logs, logged{sev, urn, msg})
	return nil
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

	// Delete sees the last outputs; its warning line goes to the engine.
	if len(host.logs) != 0 {
		t.Fatalf("nothing should have been logged yet: %+v", host.logs)
	}
	if _, err := p.Delete(context.Background(), &pulumirpc.DeleteRequest{
		Urn: localURN, Properties: mustMarshal(t, ustate),
	}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(marker)
	if err != nil || string(b) != str(ustate, "stdout")+"\n" {
		t.Errorf("delete did not see PULUMI_COMMAND_STDOUT: %q %v", b, err)
	}
	want := []logged{{diag.Warning, resource.URN(localURN), "host node-3 unreachable: not cleaned"}}
	if !reflect.DeepEqual(host.logs, want) {
		t.Errorf("logged %+v, want %+v", host.logs, want)
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
	_, err := createLocal(t, p, map[string]any{
		"create": "echo some-out; echo 'warning: disk almost full' >&2; echo boom >&2; exit 3",
	})
	if err == nil {
		t.Fatal("non-zero exit must fail")
	}
	for _, want := range []string{"create command", "exit status 3", "stdout:\nsome-out", "stderr:\nwarning: disk almost full\nboom"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q should contain %q", err, want)
		}
	}
	if len(host.logs) != 1 || host.logs[0].Msg != "disk almost full" || host.logs[0].Sev != diag.Warning {
		t.Errorf("a failing command's warnings must be reported too: %+v", host.logs)
	}
}

func TestLocalTimeoutKillsProcessGroup(t *testing.T) {
	p := newProvider()
	start := time.Now()
	resp, err := p.Create(context.Background(), &pulumirpc.CreateRequest{
		Urn:        localURN,
		Properties: checked(t, p, map[string]any{"create": "sleep 30; echo done"}),
		Timeout:    0.5,
	})
	if err == nil || !strings.Contains(err.Error(), "deadline exceeded") {
		t.Fatalf("want a timeout error, got %v %v", resp, err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("timeout took %v: the sleep child was not terminated", d)
	}
}

func TestLocalNilHost(t *testing.T) {
	p := newProvider() // no engine client, as in unit tests
	if _, err := createLocal(t, p, map[string]any{"create": "echo 'warning: x' >&2"}); err != nil {
		t.Fatal(err)
	}
}

func TestWarningLines(t *testing.T) {
	cases := map[string][]string{
		"":                            nil,
		"warning: a":                  {"a"},
		"x\nwarning: a\r\nwarning: b": {"a", "b"},
		"Warning: a\nwarning:a\n  warning: a\nwarning: \nWARNING: a":    nil,
		"error: x\nwarning: host node-3 unreachable: not cleaned\nmore": {"host node-3 unreachable: not cleaned"},
		"warning: warning: nested":                                      {"warning: nested"},
	}
	for in, want := range cases {
		if got := warningLines(in); !reflect.DeepEqual(got, want) {
			t.Errorf("warningLines(%q) = %q, want %q", in, got, want)
		}
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
