package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

func pm(m map[string]any) propertyMap { return resource.NewPropertyMapFromMap(m) }

func baseInputs() propertyMap {
	return pm(map[string]any{
		"create": "echo hi",
		"connection": map[string]any{
			"host":       "10.0.0.1",
			"privateKey": "KEY",
		},
	})
}

func failureProps(fs []checkFailure) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Property)
	}
	return out
}

func TestCheckDefaults(t *testing.T) {
	out, fails := checkInputs(baseInputs())
	if len(fails) != 0 {
		t.Fatalf("unexpected failures: %+v", fails)
	}
	if !out["addPreviousOutputInEnv"].BoolValue() {
		t.Errorf("addPreviousOutputInEnv default should be true")
	}
	c := out["connection"].ObjectValue()
	if c["port"].NumberValue() != 22 || c["user"].StringValue() != "root" ||
		c["dialErrorLimit"].NumberValue() != 10 || c["perDialTimeout"].NumberValue() != 15 {
		t.Errorf("bad connection defaults: %v", c)
	}
	// Explicit values are kept.
	in := baseInputs()
	in["addPreviousOutputInEnv"] = resource.NewBoolProperty(false)
	in["connection"].ObjectValue()["port"] = resource.NewNumberProperty(2222)
	in["connection"].ObjectValue()["user"] = resource.NewStringProperty("debian")
	out, fails = checkInputs(in)
	if len(fails) != 0 || out["addPreviousOutputInEnv"].BoolValue() ||
		out["connection"].ObjectValue()["port"].NumberValue() != 2222 ||
		out["connection"].ObjectValue()["user"].StringValue() != "debian" {
		t.Errorf("explicit values not kept: %v %+v", out, fails)
	}
}

func TestCheckCreateOptional(t *testing.T) {
	in := baseInputs()
	delete(in, "create")
	if _, fails := checkInputs(in); len(fails) != 0 {
		t.Fatalf("create must be optional: %+v", fails)
	}
}

func TestCheckValidation(t *testing.T) {
	cases := map[string]struct {
		mutate func(propertyMap)
		want   string
	}{
		"missing host":       {func(m propertyMap) { delete(m["connection"].ObjectValue(), "host") }, "connection.host"},
		"missing connection": {func(m propertyMap) { delete(m, "connection") }, "connection"},
		"proxy": {func(m propertyMap) {
			m["connection"].ObjectValue()["proxy"] = resource.NewObjectProperty(pm(map[string]any{"host": "b"}))
		}, "connection.proxy"},
		"password": {func(m propertyMap) {
			m["connection"].ObjectValue()["password"] = resource.NewStringProperty("pw")
		}, "connection.password"},
		"agentSocketPath": {func(m propertyMap) {
			m["connection"].ObjectValue()["agentSocketPath"] = resource.NewStringProperty("/s")
		}, "connection.agentSocketPath"},
		"bad port":    {func(m propertyMap) { m["connection"].ObjectValue()["port"] = resource.NewNumberProperty(0) }, "connection.port"},
		"bad logging": {func(m propertyMap) { m["logging"] = resource.NewStringProperty("loud") }, "logging"},
		"bad env name": {func(m propertyMap) {
			m["environment"] = resource.NewObjectProperty(pm(map[string]any{"A B": "x"}))
		}, "environment.A B"},
		"unknown key": {func(m propertyMap) { m["bogus"] = resource.NewStringProperty("x") }, "bogus"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			in := baseInputs()
			tc.mutate(in)
			_, fails := checkInputs(in)
			got := failureProps(fails)
			if len(got) != 1 || got[0] != tc.want {
				t.Fatalf("want one failure on %q, got %+v", tc.want, fails)
			}
			if !strings.Contains(fails[0].Reason, tc.want) && tc.want != "bogus" && !strings.HasPrefix(tc.want, "environment") {
				t.Errorf("reason should name the property %q: %q", tc.want, fails[0].Reason)
			}
		})
	}
}

func TestCheckUnknowns(t *testing.T) {
	unknown := resource.MakeComputed(resource.NewStringProperty(""))
	in := baseInputs()
	in["connection"] = unknown
	in["create"] = unknown
	if _, fails := checkInputs(in); len(fails) != 0 {
		t.Fatalf("unknown connection must not fail: %+v", fails)
	}
	in = baseInputs()
	in["connection"].ObjectValue()["host"] = unknown
	in["connection"].ObjectValue()["port"] = unknown
	out, fails := checkInputs(in)
	if len(fails) != 0 {
		t.Fatalf("unknown host must not fail: %+v", fails)
	}
	if !out["connection"].ObjectValue()["port"].IsComputed() {
		t.Errorf("unknown port must stay unknown")
	}
	// Through the gRPC surface too.
	p := newProvider()
	news, err := marshal(in, "t")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := p.Check(context.Background(), &pulumirpc.CheckRequest{Type: remoteCmdTok, News: news})
	if err != nil || len(resp.Failures) != 0 {
		t.Fatalf("Check: %v %v", err, resp.GetFailures())
	}
	dresp, err := p.Diff(context.Background(), &pulumirpc.DiffRequest{Type: remoteCmdTok, Olds: news, News: resp.Inputs})
	if err != nil || dresp == nil {
		t.Fatalf("Diff: %v", err)
	}
}

func withState(in propertyMap) propertyMap {
	out, _ := checkInputs(in)
	out["stdout"] = resource.NewStringProperty("out")
	out["stderr"] = resource.NewStringProperty("")
	return out
}

func TestDiff(t *testing.T) {
	olds := withState(baseInputs())

	news, _ := checkInputs(baseInputs())
	d := computeDiff(olds, news)
	if d.Changes != pulumirpc.DiffResponse_DIFF_NONE || len(d.Replaces) != 0 || len(d.DetailedDiff) != 0 {
		t.Errorf("no change: got %v", d)
	}

	in := baseInputs()
	in["create"] = resource.NewStringProperty("echo bye")
	news, _ = checkInputs(in)
	d = computeDiff(olds, news)
	if d.Changes != pulumirpc.DiffResponse_DIFF_SOME || len(d.Replaces) != 0 ||
		d.DetailedDiff["create"].GetKind() != pulumirpc.PropertyDiff_UPDATE || d.DeleteBeforeReplace {
		t.Errorf("create change should be update: %v", d)
	}

	in = baseInputs()
	in["triggers"] = resource.NewArrayProperty([]resource.PropertyValue{resource.NewStringProperty("x")})
	news, _ = checkInputs(in)
	d = computeDiff(olds, news)
	if d.Changes != pulumirpc.DiffResponse_DIFF_SOME || len(d.Replaces) != 1 || d.Replaces[0] != "triggers" ||
		d.DetailedDiff["triggers"].GetKind() != pulumirpc.PropertyDiff_ADD_REPLACE {
		t.Errorf("triggers add should replace: %v", d)
	}
	olds2 := withState(in)
	in = baseInputs()
	in["triggers"] = resource.NewArrayProperty([]resource.PropertyValue{resource.NewStringProperty("y")})
	news, _ = checkInputs(in)
	d = computeDiff(olds2, news)
	if len(d.Replaces) != 1 || d.DetailedDiff["triggers"].GetKind() != pulumirpc.PropertyDiff_UPDATE_REPLACE {
		t.Errorf("triggers change should replace: %v", d)
	}

	in = baseInputs()
	in["connection"].ObjectValue()["host"] = resource.NewStringProperty("10.0.0.2")
	in["environment"] = resource.NewObjectProperty(pm(map[string]any{"A": "1"}))
	news, _ = checkInputs(in)
	d = computeDiff(olds, news)
	if len(d.Replaces) != 0 || d.DetailedDiff["connection"].GetKind() != pulumirpc.PropertyDiff_UPDATE ||
		d.DetailedDiff["environment"].GetKind() != pulumirpc.PropertyDiff_ADD {
		t.Errorf("connection/environment should be in-place: %v", d)
	}

	in = baseInputs()
	in["triggers"] = resource.MakeComputed(resource.NewStringProperty(""))
	news, _ = checkInputs(in)
	d = computeDiff(olds2, news)
	if len(d.Replaces) != 1 {
		t.Errorf("unknown triggers should replace: %v", d)
	}
}

func TestPreviousOutputs(t *testing.T) {
	in, _ := checkInputs(baseInputs())
	prev := pm(map[string]any{"stdout": "o", "stderr": ""})
	got := previousOutputs(in, prev).env()
	if len(got) != 1 || got[0] != [2]string{"PULUMI_COMMAND_STDOUT", "o"} {
		t.Errorf("only non-empty previous outputs are passed (as upstream): %v", got)
	}
	if got := previousOutputs(in, nil).env(); len(got) != 0 {
		t.Errorf("a create has no previous outputs: %v", got)
	}
	in["addPreviousOutputInEnv"] = resource.NewBoolProperty(false)
	if got := previousOutputs(in, prev).env(); len(got) != 0 {
		t.Errorf("addPreviousOutputInEnv=false must not inject: %v", got)
	}
}

func TestSchemaIsJSON(t *testing.T) {
	var v map[string]any
	if err := json.Unmarshal([]byte(schemaJSON()), &v); err != nil || v["name"] != "command" {
		t.Fatalf("schema: %v %v", err, v["name"])
	}
}
