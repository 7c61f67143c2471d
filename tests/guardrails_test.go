package tests

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/components/guardrails"
	"github.com/refarch/refarch/components/iampolicy"
	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/stacks/baselinepart"
	"github.com/refarch/refarch/stacks/stack"
)

// managementStack is the stack of the organization's management account,
// to which no service control policy applies.
// Source: https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html
const managementStack = "management"

// guardrailArgs are the organization's guardrail arguments as the stacks'
// configuration implies them: the deploy role every stack assumes (one
// name: the guardrails exempt one), the stacks' region as the home region,
// and the allowed regions the stacks' regions plus us-east-1, where
// CloudFront's certificates and web ACLs live.
func guardrailArgs(t *testing.T) guardrails.Args {
	t.Helper()
	var a guardrails.Args
	for _, name := range stack.Names() {
		cfg := stackConfig(t, name)
		if a.DeployRoleName == "" {
			a.DeployRoleName, a.HomeRegion = cfg.DeployRoleName, cfg.Region
		}
		require.Equal(t, a.DeployRoleName, cfg.DeployRoleName,
			"stack %s: every stack deploys with the one role the guardrails exempt", name)
		if !slices.Contains(a.AllowedRegions, cfg.Region) {
			a.AllowedRegions = append(a.AllowedRegions, cfg.Region)
		}
	}
	if !slices.Contains(a.AllowedRegions, stack.USEast1) {
		a.AllowedRegions = append(a.AllowedRegions, stack.USEast1)
	}
	return a
}

// guardrailTargets are the roots and OUs whose policies apply to the
// account of a stack (its directory name): none for the management
// account, the root and the stack's OU for the others.
func guardrailTargets(t *testing.T, name string) (targets []guardrails.Target, scps bool) {
	t.Helper()
	if name == managementStack {
		return nil, false
	}
	role, err := stack.RoleOf(name)
	require.NoError(t, err, "the account directory names %s", name)
	switch role {
	case stack.RoleSecurity:
		return []guardrails.Target{guardrails.TargetRoot, guardrails.TargetSecurity}, true
	case stack.RoleSharedServices:
		return []guardrails.Target{guardrails.TargetRoot, guardrails.TargetInfrastructure}, true
	case stack.RoleApp:
		return []guardrails.Target{guardrails.TargetRoot, guardrails.TargetWorkloads}, true
	}
	if string(role) == managementStack {
		return nil, false
	}
	t.Fatalf("stack %s has role %q, which no organizational unit holds: place it in guardrailTargets", name, role)
	return nil, false
}

// creation is one AWS resource type a stack creates through one provider.
type creation struct {
	stack, typ, name string
	// account, region and principal are the provider's: its
	// allowedAccountIds, its region and the role it assumes.
	account, region, principal, partition string
	// resource is the ARN the calls act on, when the plan knows it (S3
	// buckets); "" otherwise.
	resource string
}

// creations lists the AWS resources of a plan, with the place and the
// principal each is created with. A remote component (awsx:ec2:Vpc)
// stands for the types guardrails.RemoteComponents lists, created with its
// aws provider.
func creations(t *testing.T, p *offline.Plan) (out []creation, missing []string) {
	t.Helper()
	for _, r := range p.Resources {
		var types []string
		ref := r.Provider
		switch {
		case r.Read:
			continue // looked up, not created
		case r.Remote:
			var ok bool
			if types, ok = guardrails.RemoteComponents[r.Type]; !ok {
				missing = append(missing, fmt.Sprintf("%s (remote component: list its AWS types in guardrails.RemoteComponents)", r.Type))
				continue
			}
			ref = r.Providers["aws"]
		case r.Custom && strings.HasPrefix(r.Type, "aws:"):
			types = []string{r.Type}
		default:
			continue // components, providers, stack references
		}
		prov := p.ProviderOf(&offline.Resource{Provider: ref})
		require.NotNil(t, prov, "%s %s names no explicit aws provider", r.Type, r.Name)
		place := offline.NewCloud(prov.Inputs).Place()
		principal := prov.String("assumeRole.roleArn")
		require.NotEmpty(t, principal, "provider %s assumes a role", prov.Name)
		require.NotEmpty(t, place.Account, "provider %s is pinned to an account", prov.Name)
		for _, typ := range types {
			c := creation{stack: p.Stack, typ: typ, name: r.Name, account: place.Account, region: place.Region,
				principal: principal, partition: place.Partition}
			if strings.HasPrefix(typ, "aws:s3/") && r.String("bucket") != "" {
				c.resource = iampolicy.BucketARN(place.Partition, r.String("bucket"))
			}
			out = append(out, c)
		}
	}
	return out, missing
}

// guardrailConflicts evaluates every action creating every AWS resource of
// every stack against the policies that apply to the account the resource
// lands in, and returns one line per (stack, type, action, denial), and the
// resource types CreateActions lacks.
func guardrailConflicts(t *testing.T, policies []guardrails.Policy) (conflicts, missing []string) {
	t.Helper()
	seen := map[string]bool{}
	for _, name := range stack.Names() {
		evaluated := 0
		directory := map[string]string{} // account id → stack
		for dirName, acct := range stackConfig(t, name).Accounts {
			directory[acct.ID] = dirName
		}
		list, unknown := creations(t, stackPlan(t, name))
		missing = append(missing, unknown...)
		for _, c := range list {
			acts, ok := guardrails.CreateActions[c.typ]
			if !ok {
				missing = append(missing, c.typ)
				continue
			}
			owner, ok := directory[c.account]
			require.True(t, ok, "stack %s: %s %s lands in account %s, which refarch:accounts does not name", name, c.typ, c.name, c.account)
			targets, scps := guardrailTargets(t, owner)
			if !scps {
				continue
			}
			evaluated += len(acts.Names)
			for _, action := range acts.Names {
				denials, err := guardrails.Evaluate(guardrails.ForTargets(policies, targets...), guardrails.Request{
					Action: action, Resource: c.resource, PrincipalARN: c.principal, Region: c.region,
				})
				require.NoError(t, err)
				for _, d := range denials {
					line := fmt.Sprintf("%s: %s %s in %s (%s, %s as %s) denied by %s",
						c.stack, c.typ, action, owner, c.account, c.region, c.principal, d)
					if !seen[line] {
						seen[line] = true
						conflicts = append(conflicts, line)
					}
				}
			}
		}
		t.Logf("stack %s: %d resources, %d actions evaluated against the guardrails", name, len(list), evaluated)
		// The stack's account is its directory entry (stacks.Load refuses
		// any other).
		if name != managementStack {
			assert.Positive(t, evaluated, "stack %s: the guardrails were checked against something", name)
		}
	}
	sort.Strings(conflicts)
	slices.Sort(missing)
	return conflicts, slices.Compact(missing)
}

// TestGuardrailsDenyNothingTheStacksCreate proves the organization's
// service control policies leave every deployment of the program
// possible: each action creating each AWS resource of each stack's plan,
// made by the role the resource's provider assumes in the region it acts
// in, is allowed by every guardrail of the account it lands in (the
// management account has none). A resource type missing from
// guardrails.CreateActions fails the test, so a new type is reviewed
// against the guardrails before it ships. Stacks added to stack.Names()
// are checked without changing this test.
func TestGuardrailsDenyNothingTheStacksCreate(t *testing.T) {
	policies, err := guardrails.Policies(guardrailArgs(t))
	require.NoError(t, err)
	conflicts, missing := guardrailConflicts(t, policies)
	assert.Empty(t, missing, "resource types without their IAM actions in guardrails.CreateActions (components/guardrails/actions.go)")
	if len(conflicts) > 0 {
		t.Errorf("the guardrails deny %d action(s) the stacks need:\n  %s", len(conflicts), strings.Join(conflicts, "\n  "))
	}
}

// TestGuardrailEvaluationFindsConflicts proves the test above can fail: an
// organization that forgets us-east-1 in its allowed regions cannot
// deploy the application stacks' CloudFront certificates (and web ACLs,
// keys and alarms there), and the evaluation says so, stack by stack.
func TestGuardrailEvaluationFindsConflicts(t *testing.T) {
	a := guardrailArgs(t)
	a.AllowedRegions = slices.DeleteFunc(slices.Clone(a.AllowedRegions), func(r string) bool { return r == stack.USEast1 })
	require.NotContains(t, a.AllowedRegions, stack.USEast1, "the stacks' own region is not us-east-1")
	policies, err := guardrails.Policies(a)
	require.NoError(t, err)
	conflicts, _ := guardrailConflicts(t, policies)
	joined := strings.Join(conflicts, "\n")
	for _, name := range stack.NamesOf(stack.RoleApp) {
		for _, want := range []string{
			name + ": aws:acm/certificate:Certificate acm:RequestCertificate",
			name + ": aws:wafv2/webAcl:WebAcl wafv2:CreateWebACL",
		} {
			assert.Contains(t, joined, want+" in "+name, "the region guardrail stops %s", want)
		}
	}
	for _, c := range conflicts {
		assert.Contains(t, c, ", us-east-1 as ", "only us-east-1 is missing")
		assert.Contains(t, c, guardrails.SidOutsideRegions)
	}
}

// TestArchiveGuardrailCoversTheArchive proves the archive statement names
// the buckets the security stack actually creates: renaming them without
// the guardrail's prefix would leave the archive unguarded.
func TestArchiveGuardrailCoversTheArchive(t *testing.T) {
	policies, err := guardrails.Policies(guardrailArgs(t))
	require.NoError(t, err)
	cfg := stackConfig(t, "security")
	archive := []string{baselinepart.AuditTrailBucket(&cfg.Config), baselinepart.AuditConfigBucket(&cfg.Config), baselinepart.AuditTrailBucket(&cfg.Config) + "-access"}
	created := map[string]bool{}
	for _, r := range stackPlan(t, "security").ByType("aws:s3/bucketV2:BucketV2") {
		created[r.String("bucket")] = true
	}
	other := iampolicy.RoleARN(cfg.Partition, cfg.AccountID, "admin")
	for _, bucket := range archive {
		require.True(t, created[bucket], "the security stack creates %s", bucket)
		denials, err := guardrails.Evaluate(guardrails.ForTargets(policies, guardrails.TargetRoot, guardrails.TargetSecurity), guardrails.Request{
			Action: "s3:DeleteBucket", Resource: iampolicy.BucketARN(cfg.Partition, bucket), PrincipalARN: other, Region: cfg.Region,
		})
		require.NoError(t, err)
		assert.Equal(t, []guardrails.Denial{{Policy: guardrails.NameAuditIntegrity, Sid: guardrails.SidArchiveTampering}}, denials, bucket)
	}
}

// TestGuardrailActionsTableHasNoStaleTypes keeps guardrails.CreateActions
// the list of what the stacks create: a type no stack creates any more
// (directly or through a remote component) is removed from it.
func TestGuardrailActionsTableHasNoStaleTypes(t *testing.T) {
	created := map[string]bool{}
	for _, name := range stack.Names() {
		list, _ := creations(t, stackPlan(t, name))
		for _, c := range list {
			created[c.typ] = true
		}
	}
	for typ := range guardrails.CreateActions {
		assert.True(t, created[typ], "no stack creates %s: remove it from guardrails.CreateActions", typ)
	}
}
