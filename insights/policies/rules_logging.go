package policies

import (
	"fmt"
	"slices"
	"strings"

	"github.com/refarch/refarch/offline"
)

// Logging and detection rules: CloudTrail, Config, the CIS monitoring
// metric filters and alarms, log retention, GuardDuty, Security Hub, WAF
// logging, patching and sessions. FSBP controls:
// https://docs.aws.amazon.com/securityhub/latest/userguide/cloudtrail-controls.html,
// https://docs.aws.amazon.com/securityhub/latest/userguide/cloudwatch-controls.html.

const (
	typeRecorder         = "aws:cfg/recorder:Recorder"
	typeRecorderStatus   = "aws:cfg/recorderStatus:RecorderStatus"
	typeMetricFilter     = "aws:cloudwatch/logMetricFilter:LogMetricFilter"
	typeMetricAlarm      = "aws:cloudwatch/metricAlarm:MetricAlarm"
	typeEventRule        = "aws:cloudwatch/eventRule:EventRule"
	typeEventTarget      = "aws:cloudwatch/eventTarget:EventTarget"
	typeDetector         = "aws:guardduty/detector:Detector"
	typeDetectorFeature  = "aws:guardduty/detectorFeature:DetectorFeature"
	typeHubAccount       = "aws:securityhub/account:Account"
	typeHubStandard      = "aws:securityhub/standardsSubscription:StandardsSubscription"
	typeWebACL           = "aws:wafv2/webAcl:WebAcl"
	typeWebACLLogging    = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"
	typePatchBaseline    = "aws:ssm/patchBaseline:PatchBaseline"
	typeMaintenanceTask  = "aws:ssm/maintenanceWindowTask:MaintenanceWindowTask"
	typeSSMDocument      = "aws:ssm/document:Document"
	typeDefaultBaseline  = "aws:ssm/defaultPatchBaseline:DefaultPatchBaseline"
	cisMetricFilterLabel = "CIS AWS Foundations Benchmark v3.0.0 section 4"
)

// trail requires one trail of the account satisfying ok.
func trail(c *Checker, ok func(t *offline.Resource) bool, msg string) {
	// An account of the organization: the organization trail records it.
	requireOwnOr(c, typeTrail, ok, msg, func() (orgRecord, bool) { return orgTrail(c.Stack, ok) })
}

// monitor is one CIS section 4 recommendation: a metric filter on the
// trail's log group whose pattern names the events, and an alarm on it.
type monitor struct {
	id, cis, fsbp, title string
	// tokens must all appear in the filter pattern.
	tokens []string
}

var monitors = []monitor{
	{"unauthorized-api-calls", "CIS 4.1", "FSBP CloudWatch.2", "unauthorized API calls", []string{"UnauthorizedOperation", "AccessDenied"}},
	{"console-signin-without-mfa", "CIS 4.2", "FSBP CloudWatch.3", "console sign-in without MFA", []string{"ConsoleLogin", "MFAUsed"}},
	{"root-usage", "CIS 4.3", "FSBP CloudWatch.1", "use of the root user", []string{"Root", "AwsServiceEvent"}},
	{"iam-policy-changes", "CIS 4.4", "FSBP CloudWatch.4", "IAM policy changes", []string{"PutRolePolicy", "AttachUserPolicy", "DeletePolicyVersion"}},
	{"cloudtrail-changes", "CIS 4.5", "FSBP CloudWatch.5", "CloudTrail configuration changes", []string{"StopLogging", "DeleteTrail"}},
	{"console-auth-failures", "CIS 4.6", "FSBP CloudWatch.6", "console authentication failures", []string{"ConsoleLogin", "Failed authentication"}},
	{"kms-key-disabled-or-deleted", "CIS 4.7", "FSBP CloudWatch.7", "disabling or scheduled deletion of KMS keys", []string{"DisableKey", "ScheduleKeyDeletion"}},
	{"s3-bucket-policy-changes", "CIS 4.8", "FSBP CloudWatch.8", "S3 bucket policy changes", []string{"PutBucketPolicy", "DeleteBucketPolicy"}},
	{"config-changes", "CIS 4.9", "FSBP CloudWatch.9", "AWS Config configuration changes", []string{"StopConfigurationRecorder", "DeleteDeliveryChannel"}},
	{"security-group-changes", "CIS 4.10", "FSBP CloudWatch.10", "security group changes", []string{"AuthorizeSecurityGroupIngress", "DeleteSecurityGroup"}},
	{"nacl-changes", "CIS 4.11", "FSBP CloudWatch.11", "network ACL changes", []string{"CreateNetworkAcl", "ReplaceNetworkAclAssociation"}},
	{"network-gateway-changes", "CIS 4.12", "FSBP CloudWatch.12", "network gateway changes", []string{"CreateCustomerGateway", "AttachInternetGateway"}},
	{"route-table-changes", "CIS 4.13", "FSBP CloudWatch.13", "route table changes", []string{"CreateRoute", "ReplaceRouteTableAssociation"}},
	{"vpc-changes", "CIS 4.14", "FSBP CloudWatch.14", "VPC changes", []string{"CreateVpc", "DeleteVpcPeeringConnection"}},
}

// monitorRule turns a monitor into its rule: a filter on a trail's log
// group with every token, and an alarm with an action on its metric.
func monitorRule(m monitor) *Rule {
	return &Rule{
		ID: "cis-monitor-" + m.id, Area: Logging, Severity: Medium,
		Title:    fmt.Sprintf("A metric filter on the trail's log group and an alarm with an action watch for %s", m.title),
		Controls: []string{m.cis, m.fsbp},
		Reason:   cisMetricFilterLabel + ": someone is told within minutes, not at the next audit",
		Check: func(c *Checker) {
			trailGroups := map[string]bool{}
			for _, t := range c.Stack.ByType(typeTrail) {
				arn := t.String("cloudWatchLogsGroupArn")
				if i := strings.Index(arn, ":log-group:"); i >= 0 {
					trailGroups[strings.TrimSuffix(arn[i+len(":log-group:"):], ":*")] = true
				}
			}
			if len(c.Stack.ByType(typeTrail)) == 0 {
				return
			}
			var filter *offline.Resource
			for _, f := range c.Stack.ByType(typeMetricFilter) {
				if hasAll(f.String("pattern"), m.tokens) && (trailGroups[f.String("logGroupName")] || !known(f.Get("logGroupName"))) {
					filter = f
				}
			}
			if filter == nil {
				c.Require(typeMetricFilter, func(*offline.Resource) bool { return false },
					fmt.Sprintf("no metric filter on the trail's log group matches %v", m.tokens))
				return
			}
			name, ns := filter.String("metricTransformation.name"), filter.String("metricTransformation.namespace")
			msg := "no alarm with an action on metric " + ns + "/" + name
			for _, a := range c.Stack.ByType(typeMetricAlarm) {
				if a.String("metricName") == name && a.String("namespace") == ns && len(a.List("alarmActions")) > 0 {
					msg = ""
				}
			}
			c.Judge(filter, msg)
		},
	}
}

func hasAll(s string, tokens []string) bool {
	for _, t := range tokens {
		if !strings.Contains(s, t) {
			return false
		}
	}
	return true
}

var loggingRules = append([]*Rule{
	{
		ID: "cloudtrail-multi-region", Area: Logging, Severity: High,
		Title:        "A multi-region trail records every management event, read and write, with global services",
		Controls:     []string{"CIS 3.1", "FSBP CloudTrail.1"},
		Reason:       "every API call of the account, in every region, is on record",
		Organization: true,
		Check: func(c *Checker) {
			trail(c, func(t *offline.Resource) bool {
				if !t.Bool("isMultiRegionTrail") || t.Get("includeGlobalServiceEvents") == false || t.Get("enableLogging") == false {
					return false
				}
				for i := range t.List("eventSelectors") {
					p := fmt.Sprintf("eventSelectors[%d].", i)
					if t.Get(p+"includeManagementEvents") != false && t.String(p+"readWriteType") == "All" {
						return true
					}
				}
				return len(t.List("eventSelectors")) == 0 && len(t.List("advancedEventSelectors")) == 0
			}, "no multi-region trail records all management events")
		},
	},
	{
		ID: "cloudtrail-kms", Area: Logging, Severity: Medium,
		Title:        "The trail's logs are encrypted with a KMS key",
		Controls:     []string{"CIS 3.5", "FSBP CloudTrail.2"},
		Reason:       "reading the trail needs the key as well as the bucket",
		Organization: true,
		Check: func(c *Checker) {
			trail(c, func(t *offline.Resource) bool { return set(t.Get("kmsKeyId")) }, "no trail is encrypted with a KMS key")
		},
	},
	{
		ID: "cloudtrail-log-file-validation", Area: Logging, Severity: Medium,
		Title:        "The trail validates its log files (signed digests)",
		Controls:     []string{"CIS 3.2", "FSBP CloudTrail.4"},
		Reason:       "a tampered or deleted log file is detected",
		Organization: true,
		Check: func(c *Checker) {
			trail(c, func(t *offline.Resource) bool { return t.Bool("enableLogFileValidation") }, "no trail validates its log files")
		},
	},
	{
		ID: "cloudtrail-cloudwatch-logs", Area: Logging, Severity: Low,
		Title:        "The trail delivers to CloudWatch Logs, where the CIS metric filters watch it",
		Controls:     []string{"FSBP CloudTrail.5"},
		Reason:       "real-time alarms need the events in CloudWatch Logs",
		SkipIn:       []string{"management"},
		Environments: "not in management: its API activity reaches the archive through the organization trail, which has no CloudWatch Logs delivery; alarms on the management account's own activity are a documented gap (docs/architecture.md)",
		Check: func(c *Checker) {
			trail(c, func(t *offline.Resource) bool { return set(t.Get("cloudWatchLogsGroupArn")) }, "no trail delivers to CloudWatch Logs")
		},
	},
	{
		ID: "config-recorder-all-resources", Area: Logging, Severity: Medium,
		Title:        "AWS Config records every supported resource type, global ones included, and is running",
		Controls:     []string{"CIS 3.3", "FSBP Config.1"},
		Reason:       "configuration history and the Config rules Security Hub's controls are built on",
		SkipIn:       []string{"management"},
		Environments: "not in management: its recorder would deliver into the security account's archive, which exists only after the management stack; a documented gap (docs/architecture.md)",
		Check: func(c *Checker) {
			c.Require(typeRecorder, func(r *offline.Resource) bool {
				return r.Bool("recordingGroup.allSupported") && r.Bool("recordingGroup.includeGlobalResourceTypes")
			}, "no Config recorder records all supported resources with global types")
			c.Require(typeRecorderStatus, func(r *offline.Resource) bool { return r.Bool("isEnabled") }, "the Config recorder is not started")
			c.Require(typeDeliveryChannel, nil, "the Config recorder has no delivery channel")
		},
	},
	{
		ID: "log-group-retention", Area: Logging, Severity: Low,
		Title:        "Log groups keep their events for at least a year",
		Controls:     []string{"FSBP CloudWatch.16"},
		Reason:       "CloudWatch.16's default of 365 days: long enough for an investigation that starts late",
		Environments: "dev and stage keep less by design (refarch:logRetentionDays): their data is not production's",
		SkipIn:       []string{"dev", "stage"},
		Check: func(c *Checker) {
			c.Each(func(r *offline.Resource) string {
				if d := r.Int("retentionInDays"); d != 0 && d < 365 {
					return fmt.Sprintf("retentionInDays is %d", d)
				}
				return ""
			}, typeLogGroup)
		},
	},
	{
		ID: "cloudwatch-alarms-have-actions", Area: Logging, Severity: Medium,
		Title:    "Every alarm notifies someone when it fires",
		Controls: []string{"FSBP CloudWatch.15"},
		Reason:   "an alarm nobody hears is not monitoring",
		Check: func(c *Checker) {
			c.Each(func(r *offline.Resource) string {
				if len(r.List("alarmActions")) == 0 || r.Get("actionsEnabled") == false {
					return "no alarm action"
				}
				return ""
			}, typeMetricAlarm)
		},
	},
	{
		ID: "guardduty-enabled", Area: Logging, Severity: High,
		Title:        "GuardDuty is enabled in the account",
		Controls:     []string{"FSBP GuardDuty.1"},
		Reason:       "intrusion detection over CloudTrail, VPC flow logs and DNS",
		Organization: true,
		Check: func(c *Checker) {
			if len(c.Stack.ByType(typeDetector)) == 0 {
				// An organization's member: the delegated administrator
				// enables GuardDuty in it.
				if conf, _, ok := orgGuardDuty(c.Stack); ok {
					c.Judge(conf.r, "")
					return
				}
			}
			c.Require(typeDetector, func(r *offline.Resource) bool { return r.Get("enable") != false }, "no enabled GuardDuty detector")
		},
	},
	{
		ID: "guardduty-protection-plans", Area: Logging, Severity: Medium,
		Title:        "GuardDuty's protection plans are on: S3, RDS logins, EBS malware, Lambda network, EKS audit logs and runtime monitoring",
		Controls:     []string{"FSBP GuardDuty.5", "FSBP GuardDuty.6", "FSBP GuardDuty.8", "FSBP GuardDuty.9", "FSBP GuardDuty.10", "FSBP GuardDuty.11"},
		Reason:       "https://docs.aws.amazon.com/securityhub/latest/userguide/guardduty-controls.html",
		Organization: true,
		Check: func(c *Checker) {
			_, orgFeatures, member := orgGuardDuty(c.Stack)
			for _, want := range []string{"S3_DATA_EVENTS", "RDS_LOGIN_EVENTS", "EBS_MALWARE_PROTECTION", "LAMBDA_NETWORK_LOGS", "EKS_AUDIT_LOGS", "RUNTIME_MONITORING"} {
				if f, ok := orgFeatures[want]; member && ok {
					// Auto-enabled for every account of the organization.
					c.Judge(f.r, "")
					continue
				}
				c.Require(typeDetectorFeature, func(r *offline.Resource) bool {
					return r.String("name") == want && r.String("status") == "ENABLED"
				}, "GuardDuty feature "+want+" is not enabled")
			}
		},
	},
	{
		ID: "securityhub-enabled", Area: Logging, Severity: High,
		Title:        "Security Hub is enabled and subscribed to CIS v3.0.0 and the Foundational Security Best Practices",
		Controls:     []string{"CIS 4.16", "FSBP SecurityHub.1"},
		Reason:       "every finding of every account lands in the security account",
		Organization: true,
		Check: func(c *Checker) {
			if len(c.Stack.ByType(typeHubAccount)) == 0 {
				// An organization's member: the central configuration
				// policy on the root enables Security Hub and the standards.
				if a, standards, ok := orgSecurityHub(c.Stack); ok {
					joined := strings.Join(standards, " ")
					msg := ""
					for _, std := range []string{"cis-aws-foundations-benchmark/v/3.0.0", "aws-foundational-security-best-practices"} {
						if !strings.Contains(joined, std) {
							msg = "the organization's configuration policy does not enable " + std
						}
					}
					c.Judge(a.r, msg)
					return
				}
			}
			c.Require(typeHubAccount, nil, "Security Hub is not enabled")
			for _, std := range []string{"cis-aws-foundations-benchmark/v/3.0.0", "aws-foundational-security-best-practices"} {
				c.Require(typeHubStandard, func(r *offline.Resource) bool { return strings.Contains(r.String("standardsArn"), std) },
					"Security Hub is not subscribed to "+std)
			}
		},
	},
	{
		ID: "guardduty-findings-alert", Area: Logging, Severity: Medium,
		Title:        "High-severity GuardDuty findings reach the alert topic",
		Controls:     []string{"refarch"},
		Reason:       "a finding nobody reads is a breach discovered late",
		Organization: true,
		Check: func(c *Checker) {
			alerts := func(s *Stack, r *offline.Resource) bool {
				if !strings.Contains(r.String("eventPattern"), "aws.guardduty") {
					return false
				}
				for _, t := range s.Linked(r, typeEventTarget, "rule") {
					if strings.Contains(t.String("arn"), ":sns:") || !known(t.Get("arn")) {
						return true
					}
				}
				return false
			}
			// An organization's member: its findings reach the delegated
			// administrator's rules.
			requireOwnOr(c, typeEventRule, func(r *offline.Resource) bool { return alerts(c.Stack, r) },
				"no EventBridge rule sends GuardDuty findings to an SNS topic", func() (orgRecord, bool) {
					rules := orgFindingRules(c.Stack, alerts)
					if len(rules) == 0 {
						return orgRecord{}, false
					}
					return rules[0], true
				})
		},
	},
	{
		ID: "waf-logging", Area: LoadBalancers, Severity: Medium,
		Title:    "Every web ACL logs its requests",
		Controls: []string{"FSBP WAF.11"},
		Reason:   "blocked and allowed requests are evidence",
		Check: func(c *Checker) {
			c.Each(func(r *offline.Resource) string {
				if len(c.Stack.Linked(r, typeWebACLLogging, "resourceArn")) == 0 {
					return "no logging configuration"
				}
				return ""
			}, typeWebACL)
		},
	},
	{
		ID: "waf-has-rules", Area: LoadBalancers, Severity: Medium,
		Title:    "Every web ACL has rules",
		Controls: []string{"FSBP WAF.10"},
		Reason:   "an empty web ACL inspects nothing",
		Check: func(c *Checker) {
			c.Each(func(r *offline.Resource) string {
				if len(r.List("rules")) == 0 && known(r.Get("rules")) {
					return "no rules"
				}
				return ""
			}, typeWebACL)
		},
	},
	{
		ID: "ssm-security-patching", Area: Compute, Severity: Medium,
		Title:        "A patch baseline approves security updates and a maintenance window installs them",
		Controls:     []string{"refarch"},
		Reason:       "patching is part of the design: https://docs.aws.amazon.com/systems-manager/latest/userguide/patch-manager.html",
		SkipIn:       []string{"management"},
		Environments: "not in management: no instance runs in the organization's management account",
		Check: func(c *Checker) {
			c.Require(typePatchBaseline, func(r *offline.Resource) bool {
				for i := range r.List("approvalRules") {
					for j := range r.List(fmt.Sprintf("approvalRules[%d].patchFilters", i)) {
						p := fmt.Sprintf("approvalRules[%d].patchFilters[%d].", i, j)
						if r.String(p+"key") == "CLASSIFICATION" && slices.Contains(r.Strings(p+"values"), "Security") {
							return true
						}
					}
				}
				return false
			}, "no patch baseline approves security updates")
			c.Require(typeMaintenanceTask, func(r *offline.Resource) bool { return r.String("taskArn") == "AWS-RunPatchBaseline" },
				"no maintenance window task runs AWS-RunPatchBaseline")
		},
	},
	{
		ID: "ssm-sessions-logged-encrypted", Area: Compute, Severity: Medium,
		Title:        "Session Manager logs every session to CloudWatch Logs, encrypted",
		Controls:     []string{"refarch"},
		Reason:       "server access is audited: https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-logging.html",
		SkipIn:       []string{"management"},
		Environments: "not in management: no instance runs in the organization's management account",
		Check: func(c *Checker) {
			c.Require(typeSSMDocument, func(r *offline.Resource) bool {
				if r.String("documentType") != "Session" {
					return false
				}
				body := r.String("content")
				return strings.Contains(body, `"cloudWatchEncryptionEnabled":true`) && strings.Contains(body, `"cloudWatchLogGroupName"`)
			}, "no Session Manager preferences document logs sessions to CloudWatch Logs with encryption")
		},
	},
}, monitorRules()...)

func monitorRules() []*Rule {
	out := make([]*Rule, 0, len(monitors))
	for _, m := range monitors {
		out = append(out, monitorRule(m))
	}
	return out
}
