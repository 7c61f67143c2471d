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
	"github.com/refarch/refarch/offline/stackrefs"
	"github.com/refarch/refarch/stacks"
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
		{"guardduty-invite-only-enabled-members", func(t *testing.T, plans map[string]*offline.Plan) replaySet {
			// Security invites dev before dev's stack (and detector) exists.
			return only(plans["security+gd"], find(t, plans["security+gd"], "aws:guardduty/member:Member", accountOf(t, plans["dev"])))
		}},
		{"guardduty-accept-only-pending-invitation", func(t *testing.T, plans map[string]*offline.Plan) replaySet {
			// dev accepts before security has invited it.
			return only(plans["dev+gd"], find(t, plans["dev+gd"], "aws:guardduty/inviteAccepter:InviteAccepter", "refarch-dev"))
		}},
		{"securityhub-accept-only-pending-invitation", func(t *testing.T, plans map[string]*offline.Plan) replaySet {
			// dev deployed before security: no invitation is pending.
			return only(plans["dev"], find(t, plans["dev"], "aws:securityhub/inviteAccepter:InviteAccepter", "refarch-dev"))
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
		inStackRefusal("gd-fargate-service-after-runtime-monitoring", "prod", "aws:ecs/service:Service", "prod-backend", "aws:guardduty/detectorFeature:DetectorFeature", "runtime-monitoring"),
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
	for _, name := range []string{"security", "shared-services", "dev", "stage", "prod"} {
		plans[name] = r.offlinePlan(t, name)
	}
	// The second pass of GuardDuty's invitations (README): every member
	// stack deployed and listed.
	for _, name := range []string{"security", "dev"} {
		p, err := offline.RunStack(stacks.Run, name, offline.Options{Dir: r.dir, StackOutputs: stackrefs.New(r.dir),
			Set: map[string]string{"refarch:guardDutyMembers": `["shared-services","dev","stage","prod"]`}})
		require.NoError(t, err)
		plans[name+"+gd"] = p
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
