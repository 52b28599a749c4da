package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// inputKeys are the properties whose change means the command must run again.
var inputKeys = []resource.PropertyKey{
	"connection", "create", "update", "delete", "environment", "stdin", "triggers",
	"addPreviousOutputInEnv", "dir", "interpreter", "logging",
}

type provider struct {
	pulumirpc.UnimplementedResourceProviderServer
}

var propertyOptions = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, SkipNulls: true}

func unmarshal(s *structpb.Struct) (resource.PropertyMap, error) {
	return plugin.UnmarshalProperties(s, propertyOptions)
}

func marshal(m resource.PropertyMap) (*structpb.Struct, error) {
	return plugin.MarshalProperties(m, propertyOptions)
}

func resourceType(urn string) string { return string(resource.URN(urn).Type()) }

func (p *provider) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

func (p *provider) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	return &pulumirpc.GetSchemaResponse{Schema: fmt.Sprintf(`{"name":"command","version":%q}`, version)}, nil
}

func (p *provider) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

func (p *provider) DiffConfig(context.Context, *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
}

func (p *provider) Configure(context.Context, *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: true}, nil
}

func (p *provider) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	switch t := resourceType(req.GetUrn()); t {
	case remoteCommandType, localCommandType:
		return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
	default:
		return nil, fmt.Errorf("resource type %s is not supported by this pulumi-resource-command build", t)
	}
}

// Diff compares old and new inputs; a change to triggers replaces the resource (as upstream).
func (p *provider) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	olds, err := unmarshal(req.GetOldInputs())
	if err != nil {
		return nil, err
	}
	if len(olds) == 0 {
		if olds, err = unmarshal(req.GetOlds()); err != nil {
			return nil, err
		}
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	ignored := map[string]bool{}
	for _, k := range req.GetIgnoreChanges() {
		ignored[k] = true
	}
	var diffs, replaces []string
	for _, key := range inputKeys {
		if ignored[string(key)] {
			continue
		}
		oldValue, newValue := plain(olds[key]), plain(news[key])
		if newValue.ContainsUnknowns() || !oldValue.DeepEquals(newValue) {
			diffs = append(diffs, string(key))
			if key == "triggers" {
				replaces = append(replaces, string(key))
			}
		}
	}
	sort.Strings(diffs)
	changes := pulumirpc.DiffResponse_DIFF_NONE
	if len(diffs) > 0 {
		changes = pulumirpc.DiffResponse_DIFF_SOME
	}
	return &pulumirpc.DiffResponse{Changes: changes, Diffs: diffs, Replaces: replaces}, nil
}

func (p *provider) Create(ctx context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	news, err := unmarshal(req.GetProperties())
	if err != nil {
		return nil, err
	}
	id, err := randomID()
	if err != nil {
		return nil, err
	}
	props, err := execute(ctx, resourceType(req.GetUrn()), news, nil, req.GetPreview(), func(s *commandSpec) string {
		return s.Create
	})
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: props}, nil
}

func (p *provider) Update(ctx context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	olds, err := unmarshal(req.GetOlds())
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	props, err := execute(ctx, resourceType(req.GetUrn()), news, olds, req.GetPreview(), func(s *commandSpec) string {
		if s.Update != "" {
			return s.Update
		}
		return s.Create
	})
	if err != nil {
		return nil, err
	}
	return &pulumirpc.UpdateResponse{Properties: props}, nil
}

// Delete runs the delete command with the connection and environment stored in state.
func (p *provider) Delete(ctx context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	olds, err := unmarshal(req.GetProperties())
	if err != nil {
		return nil, err
	}
	spec, err := decodeSpec(resourceType(req.GetUrn()), olds)
	if err != nil {
		return nil, err
	}
	if spec.Delete == "" {
		return &emptypb.Empty{}, nil
	}
	if _, err := runCommand(ctx, spec, spec.Delete, previousOutputEnv(spec, olds)); err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}

// Read cannot observe a command; it returns what state holds (refresh is a no-op, as upstream).
func (p *provider) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: req.GetProperties(), Inputs: req.GetInputs()}, nil
}

// execute runs the chosen command (unless previewing) and returns inputs plus stdout/stderr,
// marshalled as Create and Update answer them.
func execute(
	ctx context.Context, resourceType string, news, olds resource.PropertyMap, preview bool,
	pick func(*commandSpec) string,
) (*structpb.Struct, error) {
	outs := news.Copy()
	if preview {
		outs["stdout"] = resource.MakeComputed(resource.NewProperty(""))
		outs["stderr"] = resource.MakeComputed(resource.NewProperty(""))
		return marshal(outs)
	}
	spec, err := decodeSpec(resourceType, news)
	if err != nil {
		return nil, err
	}
	result := commandResult{}
	if command := pick(spec); command != "" {
		if result, err = runCommand(ctx, spec, command, previousOutputEnv(spec, olds)); err != nil {
			return nil, err
		}
	}
	outs["stdout"] = resource.NewProperty(result.Stdout)
	outs["stderr"] = resource.NewProperty(result.Stderr)
	return marshal(outs)
}

// previousOutputEnv exposes the last run's output as PULUMI_COMMAND_STDOUT/STDERR (upstream's
// addPreviousOutputInEnv, on by default).
func previousOutputEnv(spec *commandSpec, olds resource.PropertyMap) map[string]string {
	if olds == nil || !spec.AddPreviousOutput {
		return nil
	}
	return map[string]string{
		"PULUMI_COMMAND_STDOUT": stringProp(olds, "stdout"),
		"PULUMI_COMMAND_STDERR": stringProp(olds, "stderr"),
	}
}

func randomID() (string, error) {
	buf := make([]byte, 8)
	if _, err := rand.Read(buf); err != nil {
		return "", err
	}
	return hex.EncodeToString(buf), nil
}
