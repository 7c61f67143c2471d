package offline

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Options tune one run.
type Options struct {
	// Dir is the project folder (holding Pulumi.yaml). Empty means the
	// nearest parent of the working directory that holds one.
	Dir string
	// Set overrides configuration values after the stack file is loaded,
	// by full key ("refarch:vpcCidr"), as `pulumi config set` would.
	Set map[string]string
	// Unset removes configuration keys after the stack file is loaded.
	Unset []string
	// StackOutputs answers stack references: the outputs of the stack a
	// reference names (e.g. "organization/refarch/shared-services"). Nil
	// makes every stack reference fail the run.
	StackOutputs func(stack string) (map[string]any, error)
	// Organization is the organization stack references are qualified with;
	// empty means "organization", the self-managed backends' default.
	Organization string
	// Parameters are the SSM Parameter Store parameters the cloud holds,
	// by name: String parameters with these values, in every account and
	// region of the run. A lookup (aws:ssm/getParameter) of any other name
	// fails as the AWS provider fails on a missing parameter
	// (ParameterNotFound), except for AWS's public parameters
	// (/aws/service/…), which every account holds. Nil: a new account's
	// Parameter Store, empty.
	Parameters map[string]string
}

// RunStack runs program as stack, with the stack's configuration loaded from
// Pulumi.yaml and Pulumi.<stack>.yaml. The returned plan is never nil; it
// holds what was registered before any error.
func RunStack(program pulumi.RunFunc, stack string, opts Options) (*Plan, error) {
	dir := opts.Dir
	if dir == "" {
		var err error
		if dir, err = FindProjectDir("."); err != nil {
			return &Plan{Stack: stack}, err
		}
	}
	cfg, err := LoadStackConfig(dir, stack)
	if err != nil {
		return &Plan{Stack: stack}, fmt.Errorf("stack %q: %w", stack, err)
	}
	for k, v := range opts.Set {
		cfg.Values[k] = v
	}
	for _, k := range opts.Unset {
		delete(cfg.Values, k)
	}
	return Run(program, cfg, opts)
}

// Run runs program under the mocks with the given configuration. Component
// tests call it with a hand-made StackConfig.
func Run(program pulumi.RunFunc, cfg *StackConfig, opts Options) (*Plan, error) {
	org := opts.Organization
	if org == "" {
		org = "organization"
	}
	m := &mocks{
		project:  cfg.Project,
		stack:    cfg.Stack,
		opts:     &opts,
		disabled: disabledDefaults(cfg.Values["pulumi:disable-default-providers"]),
		plan:     newPlan(cfg),
	}
	values := make(map[string]string, len(cfg.Values))
	for k, v := range cfg.Values {
		values[k] = v
	}
	info := pulumi.RunInfo{
		Project:          cfg.Project,
		Stack:            cfg.Stack,
		Organization:     org,
		Config:           values,
		ConfigSecretKeys: append([]string(nil), cfg.Secret...),
		Mocks:            m,
	}
	// The program is not told it runs offline: it runs as it would under
	// the real engine, and the mocks answer.
	pctx, err := pulumi.NewContext(context.Background(), info)
	if err != nil {
		return m.plan, err
	}
	defer func() { _ = pctx.Close() }()
	err = pulumi.RunWithContext(pctx, program)
	m.plan.finish()
	return m.plan, cleanError(err)
}

// disabledDefaults parses pulumi:disable-default-providers (a JSON list).
func disabledDefaults(v string) map[string]bool {
	out := map[string]bool{}
	for _, p := range strings.FieldsFunc(v, func(r rune) bool { return strings.ContainsRune(`[]", `, r) }) {
		out[p] = true
	}
	return out
}

// cleanError strips the multierror wrapping pulumi.RunErr adds around a
// single program error, keeping the chain for errors.As.
func cleanError(err error) error {
	if err == nil {
		return nil
	}
	type unwrapper interface{ WrappedErrors() []error }
	var multi unwrapper
	if errors.As(err, &multi) {
		if errs := multi.WrappedErrors(); len(errs) == 1 {
			return errs[0]
		}
	}
	return err
}

// stackReferenceType is the type token of pulumi.StackReference.
const stackReferenceType = "pulumi:pulumi:StackReference"

// stackReference answers the read of a StackReference with the outputs
// Options.StackOutputs gives for the referenced stack.
func (m *mocks) stackReference(r *Resource) (resource.PropertyMap, error) {
	name, _ := r.Inputs["name"].(string)
	if name == "" {
		name = r.ID
	}
	if m.opts.StackOutputs == nil {
		return nil, fmt.Errorf("stack reference %q: the offline engine knows no outputs for it; set Options.StackOutputs", name)
	}
	outs, err := m.opts.StackOutputs(name)
	if err != nil {
		return nil, fmt.Errorf("stack reference %q: %w", name, err)
	}
	return toPropertyMap(map[string]any{"name": name, "outputs": outs, "secretOutputNames": []any{}}), nil
}
