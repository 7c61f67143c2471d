// Command standin is a stand-in for the aws and awsx provider plugins, for
// the real-engine test only: the real plugins cannot be installed offline.
// Installed as pulumi-resource-aws or pulumi-resource-awsx (its name picks
// the package), it speaks the provider protocol to the real Pulumi engine:
//
//   - Check echoes the inputs; Diff reports a change exactly when the inputs
//     changed, so a second preview of an unchanged program shows none.
//   - Create and Update return the inputs plus what the cloud would compute
//     (ids, ARNs, endpoints), and Invoke answers provider functions, both
//     from the offline harness's cloud (offline.Cloud), so the two engines
//     see the same outputs. An invoke the harness does not know fails.
//   - With REFARCH_STANDIN_WORLD naming a directory (offline.WorldEnv), the
//     cloud remembers every resource created (and forgets deleted ones) in
//     it, across plugin processes and stacks, and refuses, with AWS's error
//     code, a create whose documented precondition does not hold at that
//     moment (offline.Preconditions): the engine's order is then tested
//     against AWS's.
//   - awsx's Construct registers the ec2.Vpc component with a VPC and one
//     subnet per zone and subnet spec as children, created by the aws
//     stand-in through the component's aws provider, and returns vpcId and
//     the subnet ids by type (no NAT gateways or route tables: nothing the
//     program reads needs them).
//
// Source of the protocol: https://github.com/pulumi/pulumi/blob/v3.274.1/proto/pulumi/provider.proto
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/refarch/refarch/offline"
)

// versions are the plugin versions the program's SDKs ask for (go.mod).
var versions = map[string]string{"aws": "6.83.4", "awsx": "2.22.0"}

func main() {
	pkg := strings.TrimPrefix(filepath.Base(os.Args[0]), "pulumi-resource-")
	version, ok := versions[pkg]
	if !ok {
		fmt.Fprintf(os.Stderr, "standin: installed as %q; install it as pulumi-resource-aws or pulumi-resource-awsx\n", os.Args[0])
		os.Exit(2)
	}
	err := provider.Main(pkg, func(host *provider.HostClient) (pulumirpc.ResourceProviderServer, error) {
		return &server{pkg: pkg, version: version, host: host}, nil
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "standin %s: %v\n", pkg, err)
		os.Exit(1)
	}
}

// server is one provider instance: the engine starts one per provider
// resource, so its configuration is the cloud's account and region.
type server struct {
	pulumirpc.UnimplementedResourceProviderServer
	pkg, version string
	host         *provider.HostClient

	mu    sync.Mutex
	cloud *offline.Cloud
}

var keep = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, KeepResources: true}

func unmarshal(s *structpb.Struct) (resource.PropertyMap, error) {
	return plugin.UnmarshalProperties(s, keep)
}

func marshal(m resource.PropertyMap) (*structpb.Struct, error) {
	return plugin.MarshalProperties(m, keep)
}

func (s *server) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: s.version}, nil
}

func (s *server) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	return &pulumirpc.GetSchemaResponse{Schema: fmt.Sprintf(`{"name":%q,"version":%q}`, s.pkg, s.version)}, nil
}

func (s *server) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

func (s *server) DiffConfig(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return diff(req.GetOldInputs(), req.GetOlds(), req.GetNews())
}

func (s *server) Configure(_ context.Context, req *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	// The engine sends the provider's inputs as args (and, for old
	// providers, the deprecated string variables, which the stand-in ignores).
	args, err := plugin.UnmarshalProperties(req.GetArgs(), plugin.MarshalOptions{})
	if err != nil {
		return nil, fmt.Errorf("configure: %w", err)
	}
	cloud := offline.NewCloud(args.Mappable())
	if dir := os.Getenv(offline.WorldEnv); dir != "" {
		world, err := offline.OpenWorld(dir)
		if err != nil {
			return nil, fmt.Errorf("configure: %w", err)
		}
		cloud.Remember(world)
	}
	s.mu.Lock()
	s.cloud = cloud
	s.mu.Unlock()
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, AcceptResources: true}, nil
}

func (s *server) cloudOf() (*offline.Cloud, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cloud == nil {
		return nil, errors.New("the provider is not configured")
	}
	return s.cloud, nil
}

func (s *server) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

func (s *server) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return diff(req.GetOldInputs(), req.GetOlds(), req.GetNews())
}

// diff reports a change when the new inputs differ from the old ones (or,
// from an engine that sends no old inputs, from the old state).
func diff(oldInputs, olds, news *structpb.Struct) (*pulumirpc.DiffResponse, error) {
	before := oldInputs
	if before == nil {
		before = olds
	}
	o, err := unmarshal(before)
	if err != nil {
		return nil, err
	}
	n, err := unmarshal(news)
	if err != nil {
		return nil, err
	}
	if oldInputs == nil {
		// Only the keys the program sets can have changed.
		for k := range o {
			if _, ok := n[k]; !ok {
				delete(o, k)
			}
		}
	}
	changes := pulumirpc.DiffResponse_DIFF_NONE
	var diffs []string
	// A detailed diff, per changed property, as the aws provider sends:
	// the engine shows a refresh's drift only with one.
	// Source: https://github.com/pulumi/pulumi/blob/v3.274.1/pkg/resource/deploy/step.go (RefreshStep.Apply)
	detailed := map[string]*pulumirpc.PropertyDiff{}
	if d := o.Diff(n); d != nil {
		// ChangedKeys, not Keys, which lists the same ones too.
		for _, k := range d.ChangedKeys() {
			diffs = append(diffs, string(k))
			kind := pulumirpc.PropertyDiff_UPDATE
			if d.Added(k) {
				kind = pulumirpc.PropertyDiff_ADD
			} else if d.Deleted(k) {
				kind = pulumirpc.PropertyDiff_DELETE
			}
			detailed[string(k)] = &pulumirpc.PropertyDiff{Kind: kind, InputDiff: true}
		}
	}
	if len(diffs) > 0 || !o.DeepEquals(n) {
		changes = pulumirpc.DiffResponse_DIFF_SOME
	}
	return &pulumirpc.DiffResponse{Changes: changes, Diffs: diffs, DetailedDiff: detailed, HasDetailedDiff: true}, nil
}

func (s *server) Create(_ context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	id, props, err := s.created(req.GetUrn(), req.GetProperties(), true)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: props}, nil
}

// Update recomputes the state from the new inputs; the id, derived from the
// URN, stays.
func (s *server) Update(_ context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	_, props, err := s.created(req.GetUrn(), req.GetNews(), false)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.UpdateResponse{Properties: props}, nil
}

// created is the id and state the cloud gives a resource with these inputs,
// created anew (which AWS's preconditions of a create must allow) or updated.
func (s *server) created(urn string, inputs *structpb.Struct, create bool) (string, *structpb.Struct, error) {
	cloud, err := s.cloudOf()
	if err != nil {
		return "", nil, err
	}
	in, err := unmarshal(inputs)
	if err != nil {
		return "", nil, err
	}
	apply := cloud.Update
	if create {
		apply = cloud.Create
	}
	id, state, err := apply(resource.URN(urn), in)
	if err != nil {
		return "", nil, err
	}
	props, err := marshal(state)
	return id, props, err
}

// Read is a refresh or an import. A refresh (a read with state) returns
// what the engine knows, with what someone changed behind Pulumi's back in
// the world (offline.World.ChangeBehindPulumi): the drift a refresh shows.
// A read with an id and no state is an import (`pulumi import`): the cloud
// adopts the existing resource, which later creates then find in its
// world, as AWS's existing account is.
func (s *server) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	if req.GetId() == "" {
		return &pulumirpc.ReadResponse{Properties: req.GetProperties(), Inputs: req.GetInputs()}, nil
	}
	cloud, err := s.cloudOf()
	if err != nil {
		return nil, err
	}
	if len(req.GetProperties().GetFields()) > 0 {
		return s.refreshed(cloud, req)
	}
	in, err := unmarshal(req.GetInputs())
	if err != nil {
		return nil, err
	}
	state, err := cloud.Adopt(resource.URN(req.GetUrn()), req.GetId(), in)
	if err != nil {
		return nil, err
	}
	props, err := marshal(state)
	if err != nil {
		return nil, err
	}
	inputs := req.GetInputs()
	if len(inputs.GetFields()) == 0 {
		// The engine adopts only what returns inputs: the state is them.
		inputs = props
	}
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: props, Inputs: inputs}, nil
}

// refreshed answers a refresh: the state and inputs the engine sent, with
// what drifted in the cloud's world in both (a provider derives the inputs
// from what it read). Every other property is returned as it came, so
// nothing else appears to change.
func (s *server) refreshed(cloud *offline.Cloud, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	state, err := unmarshal(req.GetProperties())
	if err != nil {
		return nil, err
	}
	drifted, err := cloud.Drifted(resource.URN(req.GetUrn()), state)
	if err != nil {
		return nil, err
	}
	props := proto.Clone(req.GetProperties()).(*structpb.Struct)
	inputs := &structpb.Struct{Fields: map[string]*structpb.Value{}}
	if req.GetInputs() != nil {
		inputs = proto.Clone(req.GetInputs()).(*structpb.Struct)
	}
	if len(drifted) > 0 {
		values, err := marshal(drifted)
		if err != nil {
			return nil, err
		}
		for key, value := range drifted {
			k := string(key)
			if v, ok := values.GetFields()[k]; ok && !value.IsNull() {
				props.Fields[k], inputs.Fields[k] = v, v
				continue
			}
			delete(props.Fields, k)
			delete(inputs.Fields, k)
		}
	}
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: props, Inputs: inputs}, nil
}

// Delete forgets the resource: a later create that needed it is refused.
func (s *server) Delete(_ context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	cloud, err := s.cloudOf()
	if err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, cloud.Delete(resource.URN(req.GetUrn()))
}

func (s *server) Invoke(_ context.Context, req *pulumirpc.InvokeRequest) (*pulumirpc.InvokeResponse, error) {
	cloud, err := s.cloudOf()
	if err != nil {
		return nil, err
	}
	args, err := unmarshal(req.GetArgs())
	if err != nil {
		return nil, err
	}
	out, err := cloud.Invoke(req.GetTok(), args)
	if err != nil {
		return nil, err
	}
	ret, err := marshal(out)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.InvokeResponse{Return: ret}, nil
}

func (s *server) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

func (s *server) Construct(ctx context.Context, req *pulumirpc.ConstructRequest) (*pulumirpc.ConstructResponse, error) {
	if s.pkg != "awsx" || req.GetType() != "awsx:ec2:Vpc" {
		return nil, fmt.Errorf("standin %s: no component %s", s.pkg, req.GetType())
	}
	inputs, err := plugin.UnmarshalProperties(req.GetInputs(), plugin.MarshalOptions{KeepUnknowns: true})
	if err != nil {
		return nil, err
	}
	return provider.Construct(ctx, req, s.host.EngineConn(), func(pctx *pulumi.Context, typ, name string,
		_ provider.ConstructInputs, opts pulumi.ResourceOption,
	) (*provider.ConstructResult, error) {
		v, err := newVpc(pctx, name, inputs, opts)
		if err != nil {
			return nil, err
		}
		return provider.NewConstructResult(v)
	})
}
