package main

import (
	"context"
	"fmt"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
)

func resourceKey(k string) resource.PropertyKey { return resource.PropertyKey(k) }

func strProp(m propertyMap, k string) *string {
	if v, ok := m[resourceKey(k)]; ok && v.IsString() {
		s := v.StringValue()
		return &s
	}
	return nil
}

// opContext bounds an operation by the engine's timeout (custom timeouts) and Cancel.
func (p *cmdProvider) opContext(ctx context.Context, timeoutSec float64) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(p.ctx, cancel)
	if timeoutSec > 0 {
		var c2 context.CancelFunc
		ctx, c2 = context.WithTimeout(ctx, time.Duration(timeoutSec*float64(time.Second)))
		return ctx, func() { c2(); stop(); cancel() }
	}
	return ctx, func() { stop(); cancel() }
}

// environment is the `environment` input.
func environment(inputs propertyMap) map[string]string {
	env := map[string]string{}
	if v, ok := inputs["environment"]; ok && v.IsObject() {
		for k, ev := range v.ObjectValue() {
			if ev.IsString() {
				env[string(k)] = ev.StringValue()
			}
		}
	}
	return env
}

// previousOutputs is what a run is given of the earlier outputs in prev (nil on create).
func previousOutputs(inputs, prev propertyMap) previous {
	out := previous{add: true}
	if v, ok := inputs["addPreviousOutputInEnv"]; ok && v.IsBool() {
		out.add = v.BoolValue()
	}
	if prev != nil {
		if s := strProp(prev, "stdout"); s != nil {
			out.Stdout = *s
		}
		if s := strProp(prev, "stderr"); s != nil {
			out.Stderr = *s
		}
	}
	return out
}

// execute runs cmd (when there is one) with inputs and returns the new state: inputs + stdout + stderr. With no
// command the previous stdout/stderr (if any) are kept. tok selects where the command runs (SSH for remote, a
// child process for local); what it prints is streamed to the engine on urn as `logging` selects.
func (p *cmdProvider) execute(ctx context.Context, tok string, urn resource.URN, cmd *string,
	inputs, prev propertyMap,
) (propertyMap, error) {
	before := previousOutputs(inputs, prev)
	state := inputs.Copy()
	state["stdout"] = resource.NewStringProperty(before.Stdout)
	state["stderr"] = resource.NewStringProperty(before.Stderr)
	if cmd == nil {
		return state, nil
	}
	lg := &lineLogger{ctx: ctx, host: p.host, urn: urn}
	if s := strProp(inputs, "logging"); s != nil {
		lg.logging = *s
	}
	env, stdin := environment(inputs), strProp(inputs, "stdin")
	var res runResult
	var err error
	if tok == localCmdTok {
		var lc localConfig
		if lc, err = parseLocal(inputs); err == nil {
			res, err = runLocal(ctx, lg, lc, *cmd, env, before, stdin)
		}
	} else {
		var conn connConfig
		if conn, err = parseConnection(inputs["connection"]); err == nil {
			res, err = runRemote(ctx, lg, conn, *cmd, env, before, stdin)
		}
	}
	if err != nil {
		return nil, err
	}
	state["stdout"] = resource.NewStringProperty(res.Stdout)
	state["stderr"] = resource.NewStringProperty(res.Stderr)
	return state, nil
}

func (p *cmdProvider) Create(ctx context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	tok, err := checkType(req.GetUrn(), req.GetType())
	if err != nil {
		return nil, err
	}
	inputs, err := unmarshal(req.GetProperties(), "create.properties")
	if err != nil {
		return nil, err
	}
	name := req.GetName()
	if name == "" && req.GetUrn() != "" {
		name = resource.URN(req.GetUrn()).Name()
	}
	id, err := resource.NewUniqueHex(name, 8, 0)
	if err != nil {
		return nil, err
	}
	if req.GetPreview() {
		return &pulumirpc.CreateResponse{Properties: req.GetProperties()}, nil
	}
	ctx, cancel := p.opContext(ctx, req.GetTimeout())
	defer cancel()
	state, err := p.execute(ctx, tok, resource.URN(req.GetUrn()), strProp(inputs, "create"), inputs, nil)
	if err != nil {
		return nil, err
	}
	props, err := marshal(state, "create.outputs")
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: props}, nil
}

func (p *cmdProvider) Update(ctx context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	tok, err := checkType(req.GetUrn(), req.GetType())
	if err != nil {
		return nil, err
	}
	olds, err := unmarshal(req.GetOlds(), "update.olds")
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews(), "update.news")
	if err != nil {
		return nil, err
	}
	if req.GetPreview() {
		return &pulumirpc.UpdateResponse{Properties: req.GetNews()}, nil
	}
	cmd := strProp(news, "update")
	if cmd == nil {
		cmd = strProp(news, "create")
	}
	ctx, cancel := p.opContext(ctx, req.GetTimeout())
	defer cancel()
	state, err := p.execute(ctx, tok, resource.URN(req.GetUrn()), cmd, news, olds)
	if err != nil {
		return nil, err
	}
	props, err := marshal(state, "update.outputs")
	if err != nil {
		return nil, err
	}
	return &pulumirpc.UpdateResponse{Properties: props}, nil
}

func (p *cmdProvider) Delete(ctx context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	tok, err := checkType(req.GetUrn(), req.GetType())
	if err != nil {
		return nil, err
	}
	olds, err := unmarshal(req.GetProperties(), "delete.properties")
	if err != nil {
		return nil, err
	}
	cmd := strProp(olds, "delete")
	if cmd == nil {
		return &emptypb.Empty{}, nil
	}
	ctx, cancel := p.opContext(ctx, req.GetTimeout())
	defer cancel()
	if _, err := p.execute(ctx, tok, resource.URN(req.GetUrn()), cmd, olds, olds); err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}

// Read returns the recorded state unchanged (a refresh never re-runs commands).
func (p *cmdProvider) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	if _, err := checkType(req.GetUrn(), req.GetType()); err != nil {
		return nil, err
	}
	inputs := req.GetInputs()
	if inputs == nil && req.GetProperties() != nil {
		state, err := unmarshal(req.GetProperties(), "read.properties")
		if err != nil {
			return nil, err
		}
		in := propertyMap{}
		for k, v := range state {
			if !outputOnly[k] {
				in[k] = v
			}
		}
		if inputs, err = marshal(in, "read.inputs"); err != nil {
			return nil, fmt.Errorf("read: %w", err)
		}
	}
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: req.GetProperties(), Inputs: inputs}, nil
}
