// Command pulumi-resource-command is a small, self-written stand-in for the
// Pulumi "command" resource provider plugin. It implements the
// command:remote:Command and command:local:Command resources, with the property
// names, defaults and lifecycle of upstream pulumi-command 1.0.x (see README.md
// for the subset).
package main

import (
	"context"
	"fmt"
	"os"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "1.0.1"

const (
	packageName  = "command"
	remoteCmdTok = "command:remote:Command"
	localCmdTok  = "command:local:Command"
)

func main() {
	err := provider.Main(packageName, func(host *provider.HostClient) (pulumirpc.ResourceProviderServer, error) {
		p := newProvider()
		if host != nil { // a nil *HostClient must not become a non-nil interface
			p.host = host
		}
		return p, nil
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-resource-command: %v\n", err)
		os.Exit(1)
	}
}

type cmdProvider struct {
	pulumirpc.UnimplementedResourceProviderServer

	// ctx is cancelled by Cancel; every command (SSH or local) derives from it.
	ctx    context.Context
	cancel context.CancelFunc
	once   sync.Once

	// host is the engine's HostClient (provider.Main); nil in unit tests.
	host engineLogger
}

// engineLogger is the part of *provider.HostClient the provider uses: lasting diagnostics and ephemeral status.
type engineLogger interface {
	Log(ctx context.Context, sev diag.Severity, urn resource.URN, msg string) error
	LogStatus(ctx context.Context, sev diag.Severity, urn resource.URN, msg string) error
}

func newProvider() *cmdProvider {
	ctx, cancel := context.WithCancel(context.Background())
	return &cmdProvider{ctx: ctx, cancel: cancel}
}

// Unmarshal options: keep unknowns (preview), drop secret wrappers (we tell the
// engine AcceptSecrets=false, so it sends plain values and re-applies secretness
// to our outputs itself), never keep resource references.
var (
	unmarshalOpts = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: false, SkipNulls: true}
	marshalOpts   = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: false, SkipNulls: true}
)

func unmarshal(s *structpb.Struct, label string) (propertyMap, error) {
	o := unmarshalOpts
	o.Label = label
	return plugin.UnmarshalProperties(s, o)
}

func marshal(m propertyMap, label string) (*structpb.Struct, error) {
	o := marshalOpts
	o.Label = label
	return plugin.MarshalProperties(m, o)
}

func (p *cmdProvider) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

func (p *cmdProvider) GetSchema(_ context.Context, req *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	return &pulumirpc.GetSchemaResponse{Schema: schemaJSON()}, nil
}

func (p *cmdProvider) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

func (p *cmdProvider) DiffConfig(context.Context, *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
}

func (p *cmdProvider) Configure(context.Context, *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	return &pulumirpc.ConfigureResponse{
		AcceptSecrets:   false,
		SupportsPreview: false,
		AcceptResources: false,
	}, nil
}

func (p *cmdProvider) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	p.once.Do(p.cancel)
	return &emptypb.Empty{}, nil
}

// checkType returns the resource type token of a request, or an error for a
// type this provider does not implement.
func checkType(urn, typ string) (string, error) {
	tok := resourceType(urn, typ)
	if tok != remoteCmdTok && tok != localCmdTok {
		return "", fmt.Errorf("unknown resource type %q (this provider only implements %s and %s)",
			tok, remoteCmdTok, localCmdTok)
	}
	return tok, nil
}

func (p *cmdProvider) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	tok, err := checkType(req.GetUrn(), req.GetType())
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews(), "check.news")
	if err != nil {
		return nil, err
	}
	var checked propertyMap
	var failures []checkFailure
	if tok == localCmdTok {
		checked, failures = checkLocalInputs(news)
	} else {
		checked, failures = checkInputs(news)
	}
	out, err := marshal(checked, "check.inputs")
	if err != nil {
		return nil, err
	}
	resp := &pulumirpc.CheckResponse{Inputs: out}
	for _, f := range failures {
		resp.Failures = append(resp.Failures, &pulumirpc.CheckFailure{Property: f.Property, Reason: f.Reason})
	}
	return resp, nil
}

func (p *cmdProvider) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	if _, err := checkType(req.GetUrn(), req.GetType()); err != nil {
		return nil, err
	}
	olds, err := unmarshal(req.GetOlds(), "diff.olds")
	if err != nil {
		return nil, err
	}
	if oi := req.GetOldInputs(); oi != nil && len(oi.GetFields()) > 0 {
		if olds, err = unmarshal(oi, "diff.oldInputs"); err != nil {
			return nil, err
		}
	}
	news, err := unmarshal(req.GetNews(), "diff.news")
	if err != nil {
		return nil, err
	}
	return computeDiff(olds, news), nil
}
