package tests

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	sb "github.com/refarch/refarch/components/securitybaseline"
	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/offline/stackrefs"
	"github.com/refarch/refarch/stacks/baselinepart"
	"github.com/refarch/refarch/stacks/stack"
)

// securityAccount is the id of the security account, which holds the
// audit archive and administers the others' findings.
func securityAccount(t testing.TB) string {
	t.Helper()
	return accountOf(t)["security"]
}

// baselineOf returns a stack's SecurityBaseline component and everything
// below it.
func baselineOf(t *testing.T, p *offline.Plan) (*offline.Resource, []*offline.Resource) {
	t.Helper()
	comps := p.ByType("refarch:securitybaseline:SecurityBaseline")
	require.Len(t, comps, 1, "one baseline per stack")
	return comps[0], p.Descendants(comps[0])
}

// blFind returns the resource of a type whose name ends with suffix among rs.
func blFind(t *testing.T, rs []*offline.Resource, typ, suffix string) *offline.Resource {
	t.Helper()
	var found []*offline.Resource
	for _, r := range rs {
		if r.Type == typ && strings.HasSuffix(r.Name, suffix) {
			found = append(found, r)
		}
	}
	require.Len(t, found, 1, "%s *%s", typ, suffix)
	return found[0]
}

func blOfType(rs []*offline.Resource, typ string) []*offline.Resource {
	var out []*offline.Resource
	for _, r := range rs {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// blStatements parses the JSON policy at input path of r, by Sid.
func blStatements(t *testing.T, r *offline.Resource, path string) map[string]map[string]any {
	t.Helper()
	doc, err := r.JSON(path)
	require.NoError(t, err)
	out := map[string]map[string]any{}
	for _, s := range doc.(map[string]any)["Statement"].([]any) {
		st := s.(map[string]any)
		sid, _ := st["Sid"].(string)
		out[sid] = st
	}
	return out
}

func blCond(st map[string]any, op, key string) []string {
	c, _ := st["Condition"].(map[string]any)
	o, _ := c[op].(map[string]any)
	return blStrs(o[key])
}

func blStrs(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, e := range list {
		out = append(out, fmt.Sprint(e))
	}
	return out
}

func blPrincipal(st map[string]any, kind string) []string {
	p, _ := st["Principal"].(map[string]any)
	return blStrs(p[kind])
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// baselineAccounts are the accounts of the stacks with a baseline (every
// account but management), sorted.
func baselineAccounts(t testing.TB) []string {
	var out []string
	for _, name := range baselineStacks() {
		out = append(out, accountOf(t)[name])
	}
	sort.Strings(out)
	return out
}

func allAccounts(t testing.TB) []string {
	var out []string
	for _, id := range accountOf(t) {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

func TestBaselineRunsInEveryAccountWithItsProvider(t *testing.T) {
	for _, stackName := range baselineStacks() {
		t.Run(stackName, func(t *testing.T) {
			p := plan(t, stackName)
			comp, inside := baselineOf(t, p)
			assert.Equal(t, stack.Namespace+"-"+stackName, comp.Name)
			assert.Greater(t, len(inside), 90)
			// Only the delegations (which the management account alone may
			// make) go through security's provider of the management account.
			delegations := []string{
				"aws:guardduty/organizationAdminAccount:OrganizationAdminAccount",
				"aws:securityhub/organizationAdminAccount:OrganizationAdminAccount",
				"aws:organizations/delegatedAdministrator:DelegatedAdministrator",
				"aws:cloudtrail/organizationDelegatedAdminAccount:OrganizationDelegatedAdminAccount",
			}
			for _, r := range inside {
				prov := p.ProviderOf(r)
				require.NotNil(t, prov, "%s %q", r.Type, r.Name)
				want := "aws-" + stackName
				if stackName == "security" && slices.Contains(delegations, r.Type) {
					want = "aws-security-management"
				}
				assert.Equal(t, want, prov.Name, "%s %q lands in the right account and region", r.Type, r.Name)
			}
			// At most one detector, recorder and delivery channel per
			// account and region. The delegated administrator (security)
			// owns its detector and hub, and the organization trail beside
			// its own; in the other accounts the organization enables
			// GuardDuty and Security Hub, so they declare neither.
			count := map[string]int{"aws:guardduty/detector:Detector": 0, "aws:securityhub/account:Account": 0, "aws:cloudtrail/trail:Trail": 1,
				"aws:cfg/recorder:Recorder": 1, "aws:cfg/deliveryChannel:DeliveryChannel": 1}
			if stackName == "security" {
				count["aws:guardduty/detector:Detector"], count["aws:securityhub/account:Account"], count["aws:cloudtrail/trail:Trail"] = 1, 1, 2
			}
			for typ, n := range count {
				assert.Len(t, p.ByType(typ), n, typ)
			}
			hardening := map[string]func(r *offline.Resource) bool{
				"aws:iam/accountPasswordPolicy:AccountPasswordPolicy": func(r *offline.Resource) bool {
					return r.Int("minimumPasswordLength") >= 14 && r.Int("passwordReusePrevention") == 24 && r.Bool("requireSymbols") && r.Bool("requireNumbers") && r.Bool("requireUppercaseCharacters") && r.Bool("requireLowercaseCharacters")
				},
				"aws:ebs/encryptionByDefault:EncryptionByDefault": func(r *offline.Resource) bool { return r.Bool("enabled") },
				"aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock": func(r *offline.Resource) bool {
					return r.String("accountId") == accountOf(t)[stackName] && r.Bool("blockPublicAcls") && r.Bool("blockPublicPolicy") && r.Bool("ignorePublicAcls") && r.Bool("restrictPublicBuckets")
				},
				"aws:ec2/instanceMetadataDefaults:InstanceMetadataDefaults": func(r *offline.Resource) bool { return r.String("httpTokens") == "required" },
				"aws:accessanalyzer/analyzer:Analyzer":                      func(r *offline.Resource) bool { return r.String("type") == "ACCOUNT" },
			}
			for typ, ok := range hardening {
				rs := blOfType(inside, typ)
				if typ == "aws:accessanalyzer/analyzer:Analyzer" {
					// security also holds the organization's analyzer.
					rs = slices.DeleteFunc(rs, func(r *offline.Resource) bool { return r.String("type") == "ORGANIZATION" })
				}
				require.Len(t, rs, 1, typ)
				assert.True(t, ok(rs[0]), "%s is set as the baseline requires", typ)
			}
		})
	}
}

func TestEveryKMSKeyRotatesAndIsProtectedWhereDataMatters(t *testing.T) {
	for _, stackName := range baselineStacks() {
		t.Run(stackName, func(t *testing.T) {
			p := plan(t, stackName)
			_, inside := baselineOf(t, p)
			protect := stackName != "dev" // deletionProtection: false in dev only
			for _, k := range p.ByType("aws:kms/key:Key") {
				assert.True(t, k.Bool("enableKeyRotation"), "%s %q rotates (CIS 3.6, KMS.4)", stackName, k.Name)
			}
			keys := blOfType(inside, "aws:kms/key:Key")
			require.Len(t, keys, 4, "logs, data, secrets and sessions keys")
			stateful := slices.Concat(keys, blOfType(inside, "aws:cloudwatch/logGroup:LogGroup"), blOfType(inside, "aws:s3/bucketV2:BucketV2"))
			for _, r := range stateful {
				assert.Equal(t, protect, r.Protect, "%s %q protect", r.Type, r.Name)
				assert.Equal(t, protect, r.RetainOnDelete, "%s %q retainOnDelete", r.Type, r.Name)
			}
			deploy := "arn:aws:iam::" + accountOf(t)[stackName] + ":role/refarch-deploy"
			for _, k := range keys {
				st := blStatements(t, k, "policy")
				assert.Equal(t, []string{deploy}, blPrincipal(st["KeyAdministration"], "AWS"), "%s: only the deploy role administers", k.Name)
				for sid, s := range st {
					if sid == "SessionsThroughIAM" {
						// The SSM agent and the operator's client call KMS
						// themselves, through no service: the sessions key
						// admits the account's own callers, for the two
						// operations of a session, as IAM allows them.
						assert.Equal(t, []string{accountOf(t)[stackName]}, blCond(s, "StringEquals", "kms:CallerAccount"), k.Name)
						assert.ElementsMatch(t, []string{"kms:Decrypt", "kms:GenerateDataKey"}, blStrs(s["Action"]), k.Name)
						continue
					}
					if sid != "KeyAdministration" && len(blPrincipal(s, "AWS")) > 0 {
						assert.NotEmpty(t, blCond(s, "StringEquals", "kms:ViaService"), "%s %s: account principals only through named services", k.Name, sid)
					}
				}
			}
		})
	}
}

func TestTrailsAreMultiRegionValidatedAndDeliverToTheSecurityArchive(t *testing.T) {
	archive := "refarch-audit-trail-" + securityAccount(t)
	sec := plan(t, "security")
	_, secInside := baselineOf(t, sec)
	trailPolicy := blStatements(t, blFind(t, secInside, "aws:s3/bucketPolicy:BucketPolicy", "-trail-archive"), "policy")
	admitted := trailPolicy["CloudTrailAclCheck"]

	for _, stackName := range baselineStacks() {
		t.Run(stackName, func(t *testing.T) {
			p := plan(t, stackName)
			_, inside := baselineOf(t, p)
			trail := blFind(t, inside, "aws:cloudtrail/trail:Trail", stackName+"-trail")
			logsKey := blFind(t, inside, "aws:kms/key:Key", "-logs")
			assert.True(t, trail.Bool("isMultiRegionTrail"), "CIS 3.1")
			assert.True(t, trail.Bool("enableLogFileValidation"), "CIS 3.2")
			assert.True(t, trail.Bool("includeGlobalServiceEvents"))
			assert.Equal(t, logsKey.Output("arn"), trail.Get("kmsKeyId"), "CIS 3.5: the account's logs key")
			assert.Equal(t, archive, trail.String("s3BucketName"), "every account delivers to the security archive")
			assert.Equal(t, baselinepart.TrailName(stackName), trail.String("name"))
			assert.NotEmpty(t, trail.String("cloudWatchLogsGroupArn"))

			// The archive's policy (in the security stack) admits exactly this trail.
			arn := trail.Output("arn").(string)
			assert.Contains(t, blCond(admitted, "StringEquals", "aws:SourceArn"), arn)
			write := trailPolicy["CloudTrailWrite"+accountOf(t)[stackName]]
			require.NotNil(t, write, "a write statement for %s", stackName)
			assert.Equal(t, []string{arn}, blCond(write, "StringEquals", "aws:SourceArn"))
			assert.Equal(t, []string{"arn:aws:s3:::" + archive + "/AWSLogs/" + accountOf(t)[stackName] + "/*"}, blStrs(write["Resource"]))

			// The logs key lets exactly this trail encrypt and the security account read.
			key := blStatements(t, logsKey, "policy")
			assert.Equal(t, []string{arn}, blCond(key["CloudTrailOfThisAccount"], "StringEquals", "aws:SourceArn"))
			assert.Equal(t, []string{"arn:aws:iam::" + securityAccount(t) + ":root"}, blPrincipal(key["AuditReadersThroughS3"], "AWS"))
			// The archive has S3 Bucket Keys on: CloudTrail must decrypt with
			// this key to create the trail.
			// Source: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html
			decrypt := key["CloudTrailDecryptsForTheBucketKey"]
			require.NotNil(t, decrypt, "%s: CloudTrail may decrypt with the logs key", stackName)
			assert.Equal(t, []string{"cloudtrail.amazonaws.com"}, blPrincipal(decrypt, "Service"))
			assert.Equal(t, []string{"kms:Decrypt"}, blStrs(decrypt["Action"]))

			channel := blFind(t, inside, "aws:cfg/deliveryChannel:DeliveryChannel", stackName)
			assert.Equal(t, "refarch-audit-config-"+securityAccount(t), channel.String("s3BucketName"))
			assert.Equal(t, logsKey.Output("arn"), channel.Get("s3KmsKeyArn"))
			recorder := blFind(t, inside, "aws:cfg/recorder:Recorder", stackName)
			assert.Contains(t, recorder.String("roleArn"), ":role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig")
			assert.True(t, recorder.Bool("recordingGroup.allSupported"))
			assert.Len(t, blOfType(inside, "aws:cfg/rule:Rule"), len(sb.DefaultConfigRules))
		})
	}
}

var accountID = regexp.MustCompile(`\b[0-9]{12}\b`)

// TestArchiveAdmitsExactlyTheDeliveringAccounts parses the archive's bucket
// policies and collects every account id they mention.
func TestArchiveAdmitsExactlyTheDeliveringAccounts(t *testing.T) {
	p := plan(t, "security")
	_, inside := baselineOf(t, p)
	for _, suffix := range []string{"-trail-archive", "-config-archive"} {
		pol := blFind(t, inside, "aws:s3/bucketPolicy:BucketPolicy", suffix)
		found := map[string]bool{}
		for _, id := range accountID.FindAllString(pol.String("policy"), -1) {
			found[id] = true
		}
		want := baselineAccounts(t)
		if suffix == "-trail-archive" {
			// The organization trail (owned by the management account)
			// writes there too.
			want = allAccounts(t)
		}
		assert.Equal(t, want, sortedKeys(found), "%s admits exactly the accounts that deliver", suffix)
		st := blStatements(t, pol, "policy")
		assert.Equal(t, "Deny", st["DenyWithoutTLS"]["Effect"], "TLS only")
		assert.Equal(t, "Deny", st["DenyDeletingAuditRecords"]["Effect"])
		for sid, s := range st {
			if s["Effect"] == "Allow" {
				assert.NotContains(t, blPrincipal(s, "AWS"), "*", "%s %s is not public", suffix, sid)
			}
		}
	}
	cfg := blStatements(t, blFind(t, inside, "aws:s3/bucketPolicy:BucketPolicy", "-config-archive"), "policy")
	assert.Equal(t, baselineAccounts(t), sorted(blCond(cfg["ConfigAclCheck"], "StringEquals", "aws:SourceAccount")))

	trail := blFind(t, inside, "aws:s3/bucketV2:BucketV2", "-trail-archive")
	assert.True(t, trail.Bool("objectLockEnabled"), "Object Lock enabled at creation")
	assert.Equal(t, "refarch-audit-trail-"+securityAccount(t), trail.String("bucket"))
	assert.False(t, blFind(t, inside, "aws:s3/bucketV2:BucketV2", "-config-archive").Bool("objectLockEnabled"), "AWS Config cannot deliver to a locked bucket")
	assert.Equal(t, 365, blFind(t, inside, "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2", "-trail-archive").Int("rule.defaultRetention.days"))
	for _, suffix := range []string{"-trail-archive", "-config-archive"} {
		assert.Equal(t, "Enabled", blFind(t, inside, "aws:s3/bucketVersioningV2:BucketVersioningV2", suffix).String("versioningConfiguration.status"))
		assert.Equal(t, "aws:kms", blFind(t, inside, "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", suffix).String("rules[0].applyServerSideEncryptionByDefault.sseAlgorithm"))
		logging := blFind(t, inside, "aws:s3/bucketLoggingV2:BucketLoggingV2", suffix)
		assert.Equal(t, "refarch-audit-trail-"+securityAccount(t)+"-access", logging.String("targetBucket"), "access-logged to a separate bucket")
		// S3 refuses to log into a bucket that does not exist yet.
		assert.Contains(t, logging.DependsOn, blFind(t, inside, "aws:s3/bucketV2:BucketV2", "-access-logs").URN, "%s: logging waits for its target", suffix)
		assert.Contains(t, logging.DependsOn, blFind(t, inside, "aws:s3/bucketPolicy:BucketPolicy", "-access-logs").URN, "%s: and for its target's policy", suffix)
		assert.Equal(t, 2557, blFind(t, inside, "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2", suffix).Int("rules[0].expiration.days"))
	}

	for _, stackName := range []string{"shared-services", "dev", "stage", "prod"} {
		_, inside := baselineOf(t, plan(t, stackName))
		assert.Empty(t, blOfType(inside, "aws:s3/bucketV2:BucketV2"), "%s holds no archive", stackName)
	}
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	sort.Strings(out)
	return out
}

func TestFindingsAndAlarmsReachTheAlertTopic(t *testing.T) {
	emails := map[string]int{"security": 1, "shared-services": 1, "dev": 0, "stage": 1, "prod": 2}
	for _, stackName := range baselineStacks() {
		t.Run(stackName, func(t *testing.T) {
			p := plan(t, stackName)
			// The account's topic (application stacks also have the CDN's
			// in us-east-1, tested with the alarms).
			mon := p.Find("refarch:alerttopic:AlertTopic", "refarch-"+stackName+"-alerts")
			require.NotNil(t, mon)
			alerts := p.Descendants(mon)
			topic := blFind(t, alerts, "aws:sns/topic:Topic", "-alerts")
			key := blFind(t, alerts, "aws:kms/key:Key", "-alerts-key")
			assert.Equal(t, key.Output("arn"), topic.Get("kmsMasterKeyId"), "a customer key, not alias/aws/sns")
			assert.ElementsMatch(t, []string{"cloudwatch.amazonaws.com", "events.amazonaws.com"}, blPrincipal(blStatements(t, key, "policy")["PublishingServices"], "Service"))
			assert.Len(t, blOfType(alerts, "aws:sns/topicSubscription:TopicSubscription"), emails[stackName])
			arn := topic.Output("arn").(string)

			_, inside := baselineOf(t, p)
			alarms := blOfType(inside, "aws:cloudwatch/metricAlarm:MetricAlarm")
			require.Len(t, alarms, 14, "CIS 4.1-4.14")
			for _, a := range alarms {
				assert.Equal(t, []string{arn}, a.Strings("alarmActions"), a.Name)
			}
			if stackName != "security" {
				// GuardDuty and Security Hub publish a member's findings to
				// the delegated administrator's event bus: security's rules
				// alert on them, the member has none of its own.
				// Source: https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-cloudwatch-events.html
				assert.Empty(t, blOfType(inside, "aws:cloudwatch/eventRule:EventRule"), "findings rules live in security")
				assert.Empty(t, blOfType(inside, "aws:securityhub/standardsSubscription:StandardsSubscription"), "the central configuration policy subscribes the member")
				return
			}
			for _, name := range []string{"-guardduty-findings", "-securityhub-findings"} {
				target := blFind(t, inside, "aws:cloudwatch/eventTarget:EventTarget", name)
				assert.Equal(t, arn, target.String("arn"), "%s goes to the alert topic", name)
			}
			gd, err := blFind(t, inside, "aws:cloudwatch/eventRule:EventRule", "-guardduty-findings").JSON("eventPattern")
			require.NoError(t, err)
			sev, _ := offline.Lookup(gd, "detail.severity[0].numeric")
			assert.Equal(t, []any{">=", float64(7)}, sev)
			var standards []string
			for _, s := range blOfType(inside, "aws:securityhub/standardsSubscription:StandardsSubscription") {
				standards = append(standards, s.String("standardsArn"))
			}
			assert.ElementsMatch(t, []string{
				"arn:aws:securityhub:us-west-2::standards/aws-foundational-security-best-practices/v/1.0.0",
				"arn:aws:securityhub:us-west-2::standards/cis-aws-foundations-benchmark/v/3.0.0",
			}, standards)
			for _, f := range blOfType(inside, "aws:guardduty/detectorFeature:DetectorFeature") {
				assert.Equal(t, "ENABLED", f.String("status"), f.String("name"))
			}
		})
	}
}

func TestPersonaRolesTrustOnlyTheSecurityAccountWithMFA(t *testing.T) {
	sessionHours := map[string]int{"shared-services": 4, "dev": 8, "stage": 4, "prod": 2}
	developers := map[string]string{"shared-services": "job-function/ViewOnlyAccess", "dev": "PowerUserAccess", "stage": "ReadOnlyAccess", "prod": "job-function/ViewOnlyAccess"}
	for stackName, hours := range sessionHours {
		t.Run(stackName, func(t *testing.T) {
			p := plan(t, stackName)
			_, inside := baselineOf(t, p)
			for _, persona := range baselinepart.Personas {
				role := blFind(t, inside, "aws:iam/role:Role", "-"+baselinepart.PersonaRoleName(persona))
				assert.Equal(t, baselinepart.PersonaRoleName(persona), role.String("name"))
				st := blStatements(t, role, "assumeRolePolicy")
				require.Len(t, st, 2)
				for _, s := range st {
					assert.Equal(t, []string{"arn:aws:iam::" + securityAccount(t) + ":root"}, blPrincipal(s, "AWS"), "exactly the security account")
					assert.Equal(t, []string{"true"}, blCond(s, "Bool", "aws:MultiFactorAuthPresent"), "MFA required")
				}
				assert.Equal(t, []string{"sts:AssumeRole"}, blStrs(st["IdentityAccountWithMFA"]["Action"]))
				assert.Equal(t, []string{"sts:SetSourceIdentity"}, blStrs(st["OwnUserNameAsSourceIdentity"]["Action"]))
				assert.Equal(t, []string{"${aws:username}"}, blCond(st["OwnUserNameAsSourceIdentity"], "StringEquals", "sts:SourceIdentity"), "only one's own name")
				want := hours
				if persona == baselinepart.PersonaFullAccess {
					want = 1
				}
				assert.Equal(t, want*3600, role.Int("maxSessionDuration"), "%s session", persona)
			}
			var devPolicies []string
			for _, att := range blOfType(inside, "aws:iam/rolePolicyAttachment:RolePolicyAttachment") {
				if att.String("role") == baselinepart.PersonaRoleName(baselinepart.PersonaDevelopers) {
					devPolicies = append(devPolicies, att.String("policyArn"))
				}
			}
			assert.Equal(t, []string{"arn:aws:iam::aws:policy/" + developers[stackName]}, devPolicies)
		})
	}
	_, inside := baselineOf(t, plan(t, "security"))
	var roles []string
	for _, r := range blOfType(inside, "aws:iam/role:Role") {
		roles = append(roles, r.String("name"))
	}
	assert.ElementsMatch(t, []string{"refarch-security-cloudtrail-logs", "refarch-security-config-organization"}, roles,
		"security has no persona role: only the trail's delivery role and the Config aggregator's")
	assert.Empty(t, blOfType(inside, "aws:iam/openIdConnectProvider:OpenIdConnectProvider"))
}

// TestNoStackCreatesThePipelineRoles proves the CircleCI OIDC provider and
// the deploy, preview and ECR push roles are cmd/bootstrap's alone: an
// account holds one provider per issuer, and a stack cannot create the role
// it deploys with.
func TestNoStackCreatesThePipelineRoles(t *testing.T) {
	for _, stackName := range stack.Names() {
		t.Run(stackName, func(t *testing.T) {
			p := plan(t, stackName)
			assert.Empty(t, p.ByType("aws:iam/openIdConnectProvider:OpenIdConnectProvider"))
			for _, role := range p.ByType("aws:iam/role:Role") {
				assert.NotContains(t, []string{"refarch-deploy", "refarch-preview", "refarch-ecr-push", "refarch-ci"}, role.String("name"), role.Name)
			}
		})
	}
}

func TestSessionManagerAndPatchingPerStack(t *testing.T) {
	schedules := map[string]string{"security": "cron(0 3 ? * SUN *)", "shared-services": "cron(0 4 ? * SUN *)", "dev": "cron(0 3 ? * TUE *)", "stage": "cron(0 3 ? * WED *)", "prod": "cron(0 3 ? * SUN *)"}
	approve := map[string]int{"security": 0, "shared-services": 3, "dev": 0, "stage": 3, "prod": 7}
	for _, stackName := range baselineStacks() {
		t.Run(stackName, func(t *testing.T) {
			_, inside := baselineOf(t, plan(t, stackName))
			doc := blFind(t, inside, "aws:ssm/document:Document", "-session-preferences")
			assert.Equal(t, "SSM-SessionManagerRunShell", doc.String("name"))
			content, err := doc.JSON("content")
			require.NoError(t, err)
			enc, _ := offline.Lookup(content, "inputs.cloudWatchEncryptionEnabled")
			assert.Equal(t, true, enc, "sessions are logged encrypted")
			key, _ := offline.Lookup(content, "inputs.kmsKeyId")
			assert.Equal(t, blFind(t, inside, "aws:kms/key:Key", "-sessions").Output("arn"), key, "session data is encrypted with the account's sessions key")
			group, _ := offline.Lookup(content, "inputs.cloudWatchLogGroupName")
			assert.Equal(t, blFind(t, inside, "aws:cloudwatch/logGroup:LogGroup", "-sessions").Output("name"), group)

			window := blFind(t, inside, "aws:ssm/maintenanceWindow:MaintenanceWindow", "-patching")
			assert.Equal(t, schedules[stackName], window.String("schedule"))
			baseline := blFind(t, inside, "aws:ssm/patchBaseline:PatchBaseline", "-security-updates")
			assert.Equal(t, approve[stackName], baseline.Int("approvalRules[0].approveAfterDays"))
			assert.Equal(t, []string{"Security"}, baseline.Strings("approvalRules[0].patchFilters[0].values"))
			scan := blFind(t, inside, "aws:ssm/association:Association", "-patch-scan")
			assert.Equal(t, "tag:"+sb.PatchGroupTag, scan.String("targets[0].key"))
			assert.Equal(t, []string{"refarch-" + stackName}, scan.Strings("targets[0].values"))
		})
	}
}

func TestBaselineConfigRejectsBadValues(t *testing.T) {
	users := func(js string) map[string]string { return map[string]string{"refarch:users": js} }
	cases := []struct {
		name  string
		stack string
		set   map[string]string
		key   string
		rule  string
	}{
		{"user in an unknown group", "security", users(`[{"name":"eve","email":"eve@example.com","groups":["admins"]}]`), "refarch:users[0].groups[0]", "full-access, read-only, developers, billing, ops"},
		{"user without group", "security", users(`[{"name":"eve","email":"eve@example.com","groups":[]}]`), "refarch:users[0].groups", "at least one"},
		{"malformed user name", "security", users(`[{"name":"Eve Smith","email":"eve@example.com","groups":["ops"]}]`), "refarch:users[0].name", "lower-case IAM user name"},
		{"malformed user email", "security", users(`[{"name":"eve","email":"eve(at)example.com","groups":["ops"]}]`), "refarch:users[0].email", "e-mail"},
		{"duplicate user", "security", users(`[{"name":"eve","email":"eve@example.com","groups":["ops"]},{"name":"eve","email":"eve2@example.com","groups":["ops"]}]`), "refarch:users[1].name", "another user"},
		{"user field misspelt", "security", users(`[{"name":"eve","mail":"eve@example.com","groups":["ops"]}]`), "refarch:users[0].mail", "did you mean email?"},
		{"users outside security", "dev", users(`[{"name":"eve","email":"eve@example.com","groups":["ops"]}]`), "refarch:users", "security stack"},
		{"org id not a UUID", "prod", map[string]string{"refarch:circleciOrgId": "example-org"}, "refarch:circleciOrgId", "UUID"},
		{"project id not a UUID", "stage", map[string]string{"refarch:circleciProjectId": "1234"}, "refarch:circleciProjectId", "UUID"},
		{"repository with a scheme", "dev", map[string]string{"refarch:ciRepository": "https://github.com/example-org/refarch"}, "refarch:ciRepository", "repository"},
		{"sessions too long", "dev", map[string]string{"refarch:roleSessionHours": "13"}, "refarch:roleSessionHours", "between 1 and 12"},
		{"long sessions in prod", "prod", map[string]string{"refarch:roleSessionHours": "8"}, "refarch:roleSessionHours", "at most 4 in prod"},
		{"unknown audit region", "stage", map[string]string{"refarch:auditRegion": "mars-1"}, "refarch:auditRegion", "region"},
		{"stack outside the audit region", "stage", map[string]string{"refarch:auditRegion": "us-east-1"}, "refarch:region", "refarch:auditRegion"},
		{"retention CloudWatch refuses", "dev", map[string]string{"refarch:auditLogRetentionDays": "45"}, "refarch:auditLogRetentionDays", "CloudWatch"},
		{"short audit retention in prod", "prod", map[string]string{"refarch:auditLogRetentionDays": "90"}, "refarch:auditLogRetentionDays", "at least 365"},
		{"short audit retention in security", "security", map[string]string{"refarch:auditLogRetentionDays": "180"}, "refarch:auditLogRetentionDays", "at least 365"},
		{"bad patch schedule", "stage", map[string]string{"refarch:patchSchedule": "every sunday"}, "refarch:patchSchedule", "cron("},
		{"patch approval too late", "prod", map[string]string{"refarch:patchApproveAfterDays": "400"}, "refarch:patchApproveAfterDays", "360"},
		{"archive expiring locked logs", "security", map[string]string{"refarch:auditExpireDays": "300"}, "refarch:auditExpireDays", "refarch:auditLockDays"},
		{"negative lock", "security", map[string]string{"refarch:auditLockDays": "-1"}, "refarch:auditLockDays", "between 0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rejects(t, tc.stack, tc.set, tc.key, tc.rule)
		})
	}
}

// TestLoadReadsTheBaselineSection reads the sample's files as committed
// (testdata/sample) and expects their values.
func TestLoadReadsTheBaselineSection(t *testing.T) {
	cfg := sampleConfig(t, "security")
	b := cfg.Baseline
	require.Len(t, b.Users, 4)
	assert.Equal(t, baselinepart.User{Name: "bob.chen", Email: "bob.chen@example.com", Groups: []string{"developers", "ops"}}, b.Users[1])
	assert.Equal(t, 731, b.AuditLogRetentionDays)
	assert.Equal(t, 365, b.AuditLockDays)
	assert.Equal(t, 2557, b.AuditExpireDays)
	assert.Equal(t, "us-west-2", b.AuditRegion)
	assert.Equal(t, "refarch-audit-trail-111111111111", baselinepart.AuditTrailBucket(&cfg.Config))
	assert.Equal(t, "refarch-audit-config-111111111111", baselinepart.AuditConfigBucket(&cfg.Config))

	cfg = sampleConfig(t, "dev")
	assert.Empty(t, cfg.Baseline.Users)
	assert.Equal(t, 8, cfg.Baseline.RoleSessionHours)
	assert.Equal(t, stack.CI{OrgID: "0b6a1f1e-3c5d-4e7f-8a9b-0c1d2e3f4a5b", ProjectID: "9f8e7d6c-5b4a-4c3d-8e2f-1a0b9c8d7e6f", Repository: "github.com/example-org/refarch"}, cfg.CI)
	assert.Equal(t, stack.AccessDeploy, cfg.Access, "Pulumi.yaml's default")
}

// TestBaselineStackOutputsMatchTheOfflineAnswers checks that what
// offline/stackrefs answers for the baseline's outputs is what each stack
// really creates.
func TestBaselineStackOutputsMatchTheOfflineAnswers(t *testing.T) {
	refs := stackrefs.New(projectDir(t))
	for _, stackName := range baselineStacks() {
		t.Run(stackName, func(t *testing.T) {
			out, err := refs("organization/refarch/" + stackName)
			require.NoError(t, err)
			p := plan(t, stackName)
			topic := blFind(t, p.Descendants(p.ByType("refarch:alerttopic:AlertTopic")[0]), "aws:sns/topic:Topic", "-alerts")
			assert.Equal(t, topic.Output("arn"), out[baselinepart.OutputAlertTopicARN])
			_, inside := baselineOf(t, p)
			if stackName == "security" {
				assert.Equal(t, blFind(t, inside, "aws:s3/bucketV2:BucketV2", "-trail-archive").Output("bucket"), out[baselinepart.OutputAuditTrailBucket])
				assert.Equal(t, blFind(t, inside, "aws:s3/bucketV2:BucketV2", "-config-archive").Output("bucket"), out[baselinepart.OutputAuditConfigBucket])
			}
		})
	}
}
