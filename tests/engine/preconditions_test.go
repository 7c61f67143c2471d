package engine_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	refpolicies "github.com/refarch/refarch/insights/policies"
	"github.com/refarch/refarch/offline"
)

// replayUp runs `pulumi up` of a replay set as its stack, in a project of
// the same name, on a backend and a stand-in world of its own, and returns
// the update's error.
func (r *rig) replayUp(t *testing.T, set replaySet) error {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	env := map[string]string{}
	for k, v := range r.env {
		env[k] = v
	}
	env["PULUMI_BACKEND_URL"] = "file://" + filepath.Join(dir, "state")
	env[offline.WorldEnv] = filepath.Join(dir, "world")
	require.NoError(t, mkdirs(filepath.Join(dir, "state"), filepath.Join(dir, "project")))
	up := func(set replaySet) error {
		ws, err := auto.NewLocalWorkspace(ctx,
			auto.WorkDir(filepath.Join(dir, "project")),
			auto.Project(workspace.Project{Name: tokens.PackageName(set.stack.Project), Runtime: workspace.NewProjectRuntimeInfo("go", nil)}),
			auto.Program(set.program()),
			auto.Pulumi(r.cli),
			auto.PulumiHome(r.home),
			auto.EnvVars(env),
			auto.SecretsProvider("passphrase"),
		)
		require.NoError(t, err)
		st, err := auto.UpsertStack(ctx, set.stack.Stack, ws)
		require.NoError(t, err)
		_, err = st.Up(ctx)
		return err
	}
	for _, first := range set.first {
		require.NoError(t, up(first), "the stacks deployed before %s deploy", set.stack.Stack)
	}
	return up(set)
}

// find returns the record of typ whose name contains name.
func find(t *testing.T, p *offline.Plan, typ, name string) *offline.Resource {
	t.Helper()
	for _, r := range p.ByType(typ) {
		if strings.Contains(r.Name, name) {
			return r
		}
	}
	t.Fatalf("%s has no %s named like %q", p.Stack, typ, name)
	return nil
}

// refusal is one order-or-state rule of the catalog, shown broken: the
// dependency the program relies on removed (or the stack order inverted),
// the stand-in refuses the create with AWS's error code.
type refusal struct {
	rule string
	// replay builds the replay from the five offline plans.
	replay func(t *testing.T, plans map[string]*offline.Plan) replaySet
}

// refusals are the catalog's order-or-state rules as the real engine meets
// them.
func refusals() []refusal {
	return []refusal{
		// The organization: management first, then security's delegations.
		{"organizations-trusted-access-before-delegation", func(t *testing.T, plans map[string]*offline.Plan) replaySet {
			// security deployed before management: no organization trusts
			// AWS Config yet.
			p := plans["security"]
			return only(p, find(t, p, "aws:organizations/delegatedAdministrator:DelegatedAdministrator", "-config"))
		}},
		{"organizations-no-delegation-to-management", func(t *testing.T, plans map[string]*offline.Plan) replaySet {
			// The delegation names the management account itself.
			p := plans["security"]
			da := find(t, p, "aws:organizations/delegatedAdministrator:DelegatedAdministrator", "-config")
			return only(p, da).with(da, "accountId", accountOf(t, plans["management"])).after(managementFirst(t, plans))
		}},
		orgRefusal("guardduty-delegation-before-organization-configuration", "aws:guardduty/organizationConfiguration:OrganizationConfiguration", "refarch-security",
			"aws:guardduty/organizationAdminAccount:OrganizationAdminAccount", "-guardduty"),
		// The designation before security's own detector: GuardDuty creates
		// one itself, and security's is refused.
		orgRefusal("guardduty-one-detector-per-account", "aws:guardduty/organizationAdminAccount:OrganizationAdminAccount", "-guardduty",
			"aws:guardduty/detector:Detector", "refarch-security"),
		orgRefusal("securityhub-central-configuration-prerequisites", "aws:securityhub/organizationConfiguration:OrganizationConfiguration", "refarch-security",
			"aws:securityhub/findingAggregator:FindingAggregator", "refarch-security"),
		orgRefusal("config-organization-aggregator-needs-delegation", "aws:cfg/configurationAggregator:ConfigurationAggregator", "refarch-security",
			"aws:organizations/delegatedAdministrator:DelegatedAdministrator", "-config"),
		orgRefusal("accessanalyzer-organization-analyzer-needs-delegation", "aws:accessanalyzer/analyzer:Analyzer", "organization-analyzer",
			"aws:organizations/delegatedAdministrator:DelegatedAdministrator", "-access-analyzer"),
		orgRefusal("cloudtrail-organization-trail-from-management", "aws:cloudtrail/trail:Trail", "organization-trail",
			"aws:cloudtrail/organizationDelegatedAdminAccount:OrganizationDelegatedAdminAccount", "-cloudtrail"),
		{"organizations-scp-limits", func(t *testing.T, plans map[string]*offline.Plan) replaySet {
			// A guardrail grown past AWS's 5,120 bytes.
			p := plans["management"]
			pol := find(t, p, "aws:organizations/policy:Policy", "no-iam-users")
			return only(p, pol).with(pol, "content", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:CreateUser","Resource":"*","Sid":"`+strings.Repeat("x", 5100)+`"}]}`)
		}},
		{"securityhub-one-hub-per-account", func(t *testing.T, plans map[string]*offline.Plan) replaySet {
			// A member enabling Security Hub itself after the organization's
			// central configuration did: security's own hub, grafted onto
			// dev's provider.
			return graft(t, plans["security"], "aws:securityhub/account:Account", "refarch-security", plans["dev"]).after(managementFirst(t, plans), full(plans["security"]))
		}},
		{"securityhub-after-hub-enabled", func(t *testing.T, plans map[string]*offline.Plan) replaySet {
			p := plans["security"]
			return withoutDependency(p, find(t, p, "aws:securityhub/standardsSubscription:StandardsSubscription", "cis"), find(t, p, "aws:securityhub/account:Account", "refarch-security"))
		}},
		{"lambda-dead-letter-permission-before-function", func(t *testing.T, plans map[string]*offline.Plan) replaySet {
			p := plans["dev"]
			return withoutDependency(p, find(t, p, "aws:lambda/function:Function", "alert-notifier"), find(t, p, "aws:iam/rolePolicy:RolePolicy", "alert-notifier"))
		}},
		// Data stores and secrets.
		inStackRefusal("rds-log-groups-created-before-instance", "prod", "aws:rds/instance:Instance", "refarch-prod-db", "aws:cloudwatch/logGroup:LogGroup", "refarch-prod-db-postgresql"),
		inStackRefusal("secretsmanager-rotation-after-lambda-permission", "prod", "aws:secretsmanager/secretRotation:SecretRotation", "SESSION_SIGNING_KEY",
			"aws:lambda/permission:Permission", "secret-rotator-secrets-backend"),
		// Compute.
		inStackRefusal("ecs-service-after-capacity-providers", "prod", "aws:ecs/service:Service", "prod-backend", "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders", "prod"),
		{"gd-fargate-service-after-runtime-monitoring", func(t *testing.T, plans map[string]*offline.Plan) replaySet {
			// The organization enables GuardDuty in prod, but not (yet)
			// runtime monitoring: the tasks would start unwatched.
			sec := plans["security"]
			return only(plans["prod"], find(t, plans["prod"], "aws:ecs/service:Service", "prod-backend")).after(
				managementFirst(t, plans),
				full(sec).without(find(t, sec, "aws:guardduty/organizationConfigurationFeature:OrganizationConfigurationFeature", "runtime-monitoring")))
		}},
		inStackRefusal("appautoscaling-policy-after-target", "prod", "aws:appautoscaling/policy:Policy", "prod-backend-cpu", "aws:appautoscaling/target:Target", "prod-backend"),
		// Load balancers, CDN and DNS.
		inStackRefusal("s3-access-logging-after-target-policy", "prod", "aws:s3/bucketLoggingV2:BucketLoggingV2", "edge-assets", "aws:s3/bucketPolicy:BucketPolicy", "edge-logs"),
		inStackRefusal("alb-after-access-log-bucket-policy", "prod", "aws:lb/loadBalancer:LoadBalancer", "prod-public", "aws:s3/bucketPolicy:BucketPolicy", "prod-public-logs"),
		inStackRefusal("alb-lambda-target-after-invoke-permission", "prod", "aws:lb/targetGroupAttachment:TargetGroupAttachment", "hello-http",
			"aws:lambda/permission:Permission", "hello-http-load-balancer"),
		inStackRefusal("alb-https-listener-after-certificate-validation", "prod", "aws:lb/listener:Listener", "prod-public-https",
			"aws:acm/certificateValidation:CertificateValidation", "regional-certificate"),
		inStackRefusal("route53-cross-account-zone-association-after-authorization", "prod", "aws:route53/zoneAssociation:ZoneAssociation", "private-zone-mgmt",
			"aws:route53/vpcAssociationAuthorization:VpcAssociationAuthorization", "private-zone-mgmt"),
		// Network and the VPN host.
		inStackRefusal("kms-key-policy-service-linked-role-created-first", "shared-services", "aws:kms/key:Key", "refarch-vpn",
			"aws:iam/serviceLinkedRole:ServiceLinkedRole", "refarch-vpn-autoscaling"),
		inStackRefusal("sg-cross-account-reference-after-peering-accepted", "prod", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "prod-internal-in-443-group-0",
			"aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter", "mgmt-prod"),
		inStackRefusal("vpc-peering-routes-after-accepter", "prod", "aws:ec2/route:Route", "mgmt-prod-accepter-1",
			"aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter", "mgmt-prod"),
		// The audit trail and AWS Config.
		inStackRefusal("s3-access-logging-after-target-bucket", "security", "aws:s3/bucketLoggingV2:BucketLoggingV2", "trail-archive", "aws:s3/bucketV2:BucketV2", "access-logs"),
		{"cloudtrail-after-bucket-policy", func(t *testing.T, plans map[string]*offline.Plan) replaySet {
			// prod deployed before security: the archive's policy does not
			// exist yet when prod's trail is created.
			return only(plans["prod"], find(t, plans["prod"], "aws:cloudtrail/trail:Trail", "refarch-prod-trail"))
		}},
		inStackRefusal("config-channel-and-rules-after-recorder", "security", "aws:cfg/deliveryChannel:DeliveryChannel", "refarch-security", "aws:cfg/recorder:Recorder", "refarch-security"),
		inStackRefusal("config-recorder-started-after-delivery-channel", "security", "aws:cfg/recorderStatus:RecorderStatus", "refarch-security",
			"aws:cfg/deliveryChannel:DeliveryChannel", "refarch-security"),
	}
}

// inStackRefusal is a refusal within one stack: dependent no longer waits
// for prereq (withoutDependency).
func inStackRefusal(rule, stack, dependentType, dependent, prereqType, prereq string) refusal {
	return refusal{rule, func(t *testing.T, plans map[string]*offline.Plan) replaySet {
		p := plans[stack]
		return withoutDependency(p, find(t, p, dependentType, dependent), find(t, p, prereqType, prereq))
	}}
}

// orgRefusal is a refusal within security's stack, deployed after the
// management stack (which adopted the organization's accounts): dependent
// no longer waits for prereq.
func orgRefusal(rule, dependentType, dependent, prereqType, prereq string) refusal {
	return refusal{rule, func(t *testing.T, plans map[string]*offline.Plan) replaySet {
		p := plans["security"]
		return withoutDependency(p, find(t, p, dependentType, dependent), find(t, p, prereqType, prereq)).after(managementFirst(t, plans))
	}}
}

// managementFirst is the management stack's replay, adopting the accounts.
func managementFirst(t *testing.T, plans map[string]*offline.Plan) replaySet {
	t.Helper()
	return full(plans["management"]).adopting(t, plans)
}

// accountOf is the account a stack's main provider acts in.
func accountOf(t *testing.T, p *offline.Plan) string {
	t.Helper()
	for _, prov := range p.ByType("pulumi:providers:aws") {
		if prov.Name == "aws-"+p.Stack {
			return prov.Strings("allowedAccountIds")[0]
		}
	}
	t.Fatalf("%s has no provider aws-%s", p.Stack, p.Stack)
	return ""
}

// TestTheStandInCloudRefusesWhatAWSRefuses takes away, one at a time, each
// dependency the program relies on for an order-or-state rule of the
// catalog, replays what is left through the real engine against the
// stateful stand-ins, and sees the create refused with AWS's error code.
// (The deployment of the five stacks in TestRealEngine, against the same
// stand-ins, shows that with the dependency nothing is refused.)
func TestTheStandInCloudRefusesWhatAWSRefuses(t *testing.T) {
	r := newRig(t)
	plans := map[string]*offline.Plan{}
	for _, name := range []string{"management", "security", "shared-services", "dev", "stage", "prod"} {
		plans[name] = r.offlinePlan(t, name)
	}

	covered := map[string]bool{}
	for _, rf := range refusals() {
		covered[rf.rule] = true
		t.Run(rf.rule, func(t *testing.T) {
			var code string
			for _, p := range offline.Preconditions() {
				if p.Rule == rf.rule {
					code = p.Code
				}
			}
			require.NotEmpty(t, code, "the stand-in keeps %s", rf.rule)
			err := r.replayUp(t, rf.replay(t, plans))
			require.Error(t, err, "without the dependency, the stand-in must refuse as AWS does")
			assert.Contains(t, err.Error(), code, "AWS's error code")
			assert.Contains(t, err.Error(), "AWS rule "+rf.rule)
		})
	}
	for _, rule := range refpolicies.AWSCatalog() {
		if rule.AWS.Kind == refpolicies.OrderOrState {
			assert.True(t, covered[rule.ID], "order-or-state rule %s has no removal case here", rule.ID)
		}
	}
}

// mkdirs creates directories.
func mkdirs(dirs ...string) error {
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return err
		}
	}
	return nil
}

// graft is a replay of the stack into: the record of typ named like name
// of stack from, registered with into's own provider (into's account),
// as a resource into's stack would declare.
func graft(t *testing.T, from *offline.Plan, typ, name string, into *offline.Plan) replaySet {
	t.Helper()
	r := find(t, from, typ, name)
	var prov *offline.Resource
	for _, p := range into.ByType("pulumi:providers:aws") {
		if p.Name == "aws-"+into.Stack {
			prov = p
		}
	}
	require.NotNil(t, prov, "%s has its own provider", into.Stack)
	clone := *r
	clone.URN = strings.Replace(r.URN, "urn:pulumi:"+from.Stack+"::", "urn:pulumi:"+into.Stack+"::", 1)
	clone.Parent = ""
	clone.DependsOn = nil
	clone.Provider = prov.URN + "::" + prov.ID
	grafted := offline.NewPlan(into.Stack, into.Project, []*offline.Resource{prov, &clone})
	return replaySet{stack: grafted, keep: map[string]bool{prov.URN: true, clone.URN: true}, drop: map[string]map[string]bool{}, add: map[string][]string{}}
}
