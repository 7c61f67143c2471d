package policies

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/refarch/refarch/offline"
)

// AWS rules of detection and administration: GuardDuty, Security Hub,
// EventBridge's finding rules, Session Manager, patching, IAM sessions and
// the account's instance metadata defaults.

const (
	typeGuardDutyDetector       = "aws:guardduty/detector:Detector"
	typeGuardDutyFeature        = "aws:guardduty/detectorFeature:DetectorFeature"
	typeSecurityHubAccount      = "aws:securityhub/account:Account"
	typeSecurityHubMember       = "aws:securityhub/member:Member"
	typeSecurityHubAccepter     = "aws:securityhub/inviteAccepter:InviteAccepter"
	typeSecurityHubStandard     = "aws:securityhub/standardsSubscription:StandardsSubscription"
	typeSecurityHubAggregator   = "aws:securityhub/findingAggregator:FindingAggregator"
	typeMaintenanceWindow       = "aws:ssm/maintenanceWindow:MaintenanceWindow"
	typeInstanceMetadataDefault = "aws:ec2/instanceMetadataDefaults:InstanceMetadataDefaults"
	typeAWSProvider             = "pulumi:providers:aws"
)

// ownAccount is the account the stack acts in: that of its provider named
// aws-<stack> (stack.NewProviders), else the account most of its records
// are created in (a stack also holds providers of other accounts: the
// security stack's management provider, the application stacks'
// shared-services one). "" when no provider names an account.
func (s *Stack) ownAccount() string {
	for _, p := range s.ByType(typeAWSProvider) {
		if ids := p.Strings("allowedAccountIds"); p.Name == "aws-"+s.Name && len(ids) > 0 {
			return ids[0]
		}
	}
	count := map[string]int{}
	best := ""
	for _, r := range s.Resources {
		if !r.Custom || r.Type == typeAWSProvider {
			continue
		}
		if a := s.providerAccount(r); a != "" {
			count[a]++
			if count[a] > count[best] || (count[a] == count[best] && a < best) {
				best = a
			}
		}
	}
	return best
}

// accountStack returns the stack of the deployment that acts in account
// (ownAccount), or nil.
func (s *Stack) accountStack(account string) *Stack {
	for _, p := range s.peers {
		if account != "" && p.ownAccount() == account {
			return p
		}
	}
	return nil
}

// guardDutyFeatures are GuardDuty's feature names, and its agents'.
var (
	guardDutyFeatures = []string{"S3_DATA_EVENTS", "EKS_AUDIT_LOGS", "EBS_MALWARE_PROTECTION", "RDS_LOGIN_EVENTS", "EKS_RUNTIME_MONITORING", "LAMBDA_NETWORK_LOGS", "RUNTIME_MONITORING"}
	guardDutyAgents   = []string{"EKS_ADDON_MANAGEMENT", "ECS_FARGATE_AGENT_MANAGEMENT", "EC2_AGENT_MANAGEMENT"}
)

// findingEvents are the sources and detail types GuardDuty and Security Hub
// publish their findings to EventBridge with.
var findingEvents = map[string]string{
	"aws.guardduty":   "GuardDuty Finding",
	"aws.securityhub": "Security Hub Findings - Imported",
}

// cronFields matches a Systems Manager cron expression's six fields.
var cronSix = regexp.MustCompile(`^cron\(\S+ \S+ \S+ \S+ \S+ \S+\)$`)

// keyByARN returns the KMS key record an ARN (or id) names.
func (s *Stack) keyByARN(arn string) *offline.Resource {
	for _, k := range s.ByType("aws:kms/key:Key") {
		if arn != "" && (str(k.Output("arn")) == arn || k.ID == arn || str(k.Output("keyId")) == arn) {
			return k
		}
	}
	return nil
}

// allows reports whether an Allow statement of a policy names principal
// (of any kind) and grants every one of actions.
func allows(sts []statement, principal string, actions ...string) bool {
	_, ok := serviceStatement(sts, principal, actions...)
	return ok
}

// serviceStatement returns the first Allow statement of a policy naming
// the principal (a service, an ARN) that grants every one of actions.
func serviceStatement(sts []statement, service string, actions ...string) (statement, bool) {
	for _, st := range sts {
		if st.effect() != "Allow" || !slices.Contains(st.principals(), service) {
			continue
		}
		all := true
		for _, a := range actions {
			if !st.grantsAction(a) {
				all = false
			}
		}
		if all {
			return st, true
		}
	}
	return nil, false
}

// grantsAction reports whether the statement's actions cover action, with
// IAM's wildcards ("kms:GenerateDataKey*" covers "kms:GenerateDataKey").
func (s statement) grantsAction(action string) bool {
	for _, a := range s.actions() {
		if globMatch(strings.ToLower(a), strings.ToLower(action)) {
			return true
		}
	}
	return false
}

// globMatch matches IAM's "*" and "?" wildcards.
func globMatch(pattern, s string) bool {
	if pattern == "" {
		return s == ""
	}
	switch pattern[0] {
	case '*':
		for i := 0; i <= len(s); i++ {
			if globMatch(pattern[1:], s[i:]) {
				return true
			}
		}
		return false
	case '?':
		return s != "" && globMatch(pattern[1:], s[1:])
	}
	return s != "" && pattern[0] == s[0] && globMatch(pattern[1:], s[1:])
}

func awsDetectionRules() []*Rule {
	return []*Rule{
		awsRule(&Rule{
			ID:       "securityhub-after-hub-enabled",
			Title:    "Standards, members, aggregators and acceptances of Security Hub are created after Security Hub is enabled in the account",
			Severity: High,
			Reason:   "Security Hub refuses them in an account where it is not enabled yet",
			Check: func(c *Checker) {
				for _, typ := range []string{typeSecurityHubStandard, typeSecurityHubMember, typeSecurityHubAggregator, typeSecurityHubAccepter} {
					requireDependency(c, typ, nil, typeSecurityHubAccount, func(r, p *offline.Resource) bool {
						return c.Stack.providerAccount(r) == c.Stack.providerAccount(p)
					}, "Security Hub must be enabled (aws:securityhub/account:Account) first")
				}
			},
		}, Constraint{
			Dimension: DimOrder, Kind: OrderOrState,
			URL:   "https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_CreateMembers.html",
			Quote: "This action can only be used by an account that has Security Hub enabled. To enable Security Hub, you can use the EnableSecurityHub operation.",
			Error: "InvalidAccessException",
		}),
		awsRule(&Rule{
			ID:       "securityhub-default-standards-off",
			Title:    "An account that subscribes to Security Hub standards explicitly enables Security Hub without its default standards",
			Severity: Low,
			Reason:   "Security Hub would enable its default standards too, beside the explicit ones: findings twice, and a standard (CIS v1.2.0) nobody chose",
			Check: func(c *Checker) {
				if len(c.Stack.ByType(typeSecurityHubStandard)) == 0 {
					return
				}
				c.Each(func(r *offline.Resource) string {
					return unless(r.Get("enableDefaultStandards") == false, "enableDefaultStandards is not false")
				}, typeSecurityHubAccount)
			},
		}, Constraint{
			Dimension: DimArguments, Kind: Static,
			URL:   "https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_Standard.html",
			Quote: "When Security Hub CSPM is enabled using the EnableSecurityHub API operation, the standard is enabled by default unless EnableDefaultStandards is set to false.",
		}),
		awsRule(&Rule{
			ID:       "guardduty-features-valid",
			Title:    "GuardDuty features and agents are ones GuardDuty knows, and Runtime Monitoring is not enabled together with EKS Runtime Monitoring",
			Severity: High,
			Reason:   "GuardDuty refuses an unknown feature, and both runtime features at once",
			Check: func(c *Checker) {
				enabled := map[string]bool{}
				for _, f := range c.Stack.ByType(typeGuardDutyFeature) {
					if f.String("status") == "ENABLED" {
						enabled[f.String("name")] = true
					}
				}
				c.Each(func(f *offline.Resource) string {
					name := f.String("name")
					switch {
					case !known(f.Get("name")):
						return ""
					case !slices.Contains(guardDutyFeatures, name):
						return fmt.Sprintf("%q is not a GuardDuty feature", name)
					case name == "RUNTIME_MONITORING" && enabled["EKS_RUNTIME_MONITORING"] && enabled["RUNTIME_MONITORING"]:
						return "RUNTIME_MONITORING and EKS_RUNTIME_MONITORING are both enabled"
					}
					for _, a := range f.List("additionalConfigurations") {
						m, _ := a.(map[string]any)
						if n := str(m["name"]); !slices.Contains(guardDutyAgents, n) {
							return fmt.Sprintf("%q is not an additional configuration of GuardDuty", n)
						}
					}
					return ""
				}, typeGuardDutyFeature)
			},
		}, Constraint{
			Dimension: DimArguments, Kind: Static,
			URL:   "https://docs.aws.amazon.com/guardduty/latest/APIReference/API_DetectorFeatureConfiguration.html",
			Quote: "Specifying both EKS Runtime Monitoring (EKS_RUNTIME_MONITORING) and Runtime Monitoring (RUNTIME_MONITORING) will cause an error. You can add only one of these two features because Runtime Monitoring already includes the threat detection for Amazon EKS resources.",
			Error: "BadRequestException",
		}),
		awsRule(&Rule{
			ID:       "eventbridge-finding-patterns",
			Title:    "EventBridge rules on findings match the source and detail type GuardDuty and Security Hub publish",
			Severity: High,
			Reason:   "a pattern with another spelling is accepted and never matches: no finding is ever alerted",
			Check: func(c *Checker) {
				c.Each(func(r *offline.Resource) string {
					raw, ok := r.Get("eventPattern").(string)
					if !ok {
						return ""
					}
					var pattern map[string]any
					if err := json.Unmarshal([]byte(raw), &pattern); err != nil {
						return "eventPattern is not JSON"
					}
					sources := list(pattern["source"])
					for _, src := range sources {
						want, finding := findingEvents[src]
						if finding && !slices.Contains(list(pattern["detail-type"]), want) {
							return fmt.Sprintf("source %s publishes its findings as detail-type %q, which the pattern does not match", src, want)
						}
					}
					return ""
				}, typeEventRule)
			},
		}, Constraint{
			Dimension: DimArguments, Kind: Static,
			URL:   "https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-guardduty.html",
			Quote: "To match against specific events, include a detail-type attribute specifying an array of event names to match. For example: { \"source\": [\"aws.guardduty\"], \"detail-type\": [\"GuardDuty Finding\"] }",
		}),
		awsRule(&Rule{
			ID:       "eventbridge-sns-target-without-role",
			Title:    "EventBridge targets that are SNS topics carry no role: EventBridge publishes through the topic's policy",
			Severity: High,
			Reason:   "a role on such a target can make delivery fail, particularly to a KMS-encrypted topic: findings lost silently",
			Check: func(c *Checker) {
				c.Each(func(r *offline.Resource) string {
					if !strings.Contains(r.String("arn"), ":sns:") {
						return ""
					}
					return unless(!set(r.Get("roleArn")), "an SNS target has a roleArn")
				}, typeEventTarget)
			},
		}, Constraint{
			Dimension: DimPolicy, Kind: Static,
			URL:   "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html",
			Quote: "For targets that use resource-based policies (Lambda, Amazon SNS, Amazon SQS, and Amazon CloudWatch Logs), do not specify a RoleArn in the target configuration. When you specify a RoleArn for these target types, event delivery may fail, particularly for Amazon SQS and Amazon SNS targets with AWS KMS encryption enabled.",
		}),
		awsRule(&Rule{
			ID:       "eventbridge-topic-policy-without-condition",
			Title:    "A topic EventBridge publishes to admits events.amazonaws.com with a statement that has no condition",
			Severity: Critical,
			Reason:   "EventBridge's deliveries do not satisfy a condition in the topic policy: every finding is dropped, silently",
			Check: func(c *Checker) {
				targeted := map[string]bool{}
				for _, t := range c.Stack.ByType(typeEventTarget) {
					targeted[t.String("arn")] = true
				}
				c.Each(func(r *offline.Resource) string {
					if !known(r.Get("arn")) || !targeted[r.String("arn")] {
						return ""
					}
					sts, ok := statements(r, "policy")
					if !ok {
						return ""
					}
					st, found := serviceStatement(sts, "events.amazonaws.com", "sns:Publish")
					switch {
					case !found:
						return "no statement lets events.amazonaws.com publish"
					case st.hasCondition():
						return "the statement letting events.amazonaws.com publish has a condition"
					}
					return ""
				}, typeTopicPolicy)
			},
		}, Constraint{
			Dimension: DimPolicy, Kind: Static,
			URL:   "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions",
			Quote: "You can't use of Condition blocks in Amazon SNS topic policies for EventBridge.",
			Found: "every stack's alert topic admitted events.amazonaws.com only with aws:SourceAccount (components/alerttopic): GuardDuty and Security Hub findings would never have reached it",
		}),
		awsRule(&Rule{
			ID:       "sns-topic-key-admits-publishing-services",
			Title:    "The key of an encrypted topic that alarms or EventBridge publish to lets those services generate data keys and decrypt, with no condition",
			Severity: Critical,
			Reason:   "SNS cannot encrypt their messages: every alarm and finding notification is dropped, silently",
			Check: func(c *Checker) {
				publishers := map[string][]string{} // topic ARN -> services
				for _, a := range c.Stack.ByType(typeMetricAlarm) {
					for _, arn := range append(a.Strings("alarmActions"), a.Strings("okActions")...) {
						if !slices.Contains(publishers[arn], "cloudwatch.amazonaws.com") {
							publishers[arn] = append(publishers[arn], "cloudwatch.amazonaws.com")
						}
					}
				}
				for _, t := range c.Stack.ByType(typeEventTarget) {
					if arn := t.String("arn"); !slices.Contains(publishers[arn], "events.amazonaws.com") {
						publishers[arn] = append(publishers[arn], "events.amazonaws.com")
					}
				}
				c.Each(func(t *offline.Resource) string {
					services := publishers[str(t.Output("arn"))]
					keyID := t.String("kmsMasterKeyId")
					if len(services) == 0 || keyID == "" {
						return ""
					}
					key := c.Stack.keyByARN(keyID)
					if key == nil {
						return ""
					}
					sts, ok := statements(key, "policy")
					if !ok {
						return ""
					}
					for _, svc := range services {
						st, found := serviceStatement(sts, svc, "kms:GenerateDataKey", "kms:Decrypt")
						switch {
						case !found:
							return fmt.Sprintf("the key lets %s neither generate data keys nor decrypt", svc)
						case st.hasCondition():
							return fmt.Sprintf("the key's statement for %s has a condition the documented statement does not have", svc)
						}
					}
					return ""
				}, typeTopic)
			},
		}, Constraint{
			Dimension: DimPolicy, Kind: Static,
			URL:   "https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services",
			Quote: "To allow the AWS service to have the kms:GenerateDataKey* and kms:Decrypt permissions, add the following statement to the KMS policy.",
			Found: "every alert topic's key admitted CloudWatch and EventBridge only with an aws:SourceAccount condition the documented statement does not have (components/alerttopic)",
		}),
		awsRule(&Rule{
			ID:       "session-logs-group-encrypted",
			Title:    "Session Manager preferences that ask for encrypted CloudWatch logging name a log group encrypted with a KMS key",
			Severity: High,
			Reason:   "sessions refuse to start when the log group the preferences require to be encrypted is not",
			Check: func(c *Checker) {
				groups := map[string]*offline.Resource{}
				for _, g := range c.Stack.ByType(typeLogGroup) {
					groups[g.String("name")] = g
				}
				c.Each(func(d *offline.Resource) string {
					if d.String("documentType") != "Session" {
						return ""
					}
					raw, ok := d.Get("content").(string)
					if !ok {
						return ""
					}
					var doc struct {
						Inputs map[string]any `json:"inputs"`
					}
					if err := json.Unmarshal([]byte(raw), &doc); err != nil {
						return "content is not JSON"
					}
					if doc.Inputs["cloudWatchEncryptionEnabled"] != true {
						return ""
					}
					g := groups[str(doc.Inputs["cloudWatchLogGroupName"])]
					switch {
					case g == nil:
						return fmt.Sprintf("the log group %v is not created by the stack", doc.Inputs["cloudWatchLogGroupName"])
					case !set(g.Get("kmsKeyId")):
						return fmt.Sprintf("the log group %s is not encrypted", g.String("name"))
					}
					return ""
				}, typeSSMDocument)
			},
		}, Constraint{
			Dimension: DimPrerequisite, Kind: Static,
			URL:   "https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-schema.html",
			Quote: "cloudWatchEncryptionEnabled … If set to true, the log group you specified in the cloudWatchLogGroupName input must be encrypted.",
		}),
		awsRule(&Rule{
			ID:       "iam-role-session-duration-bounds",
			Title:    "Every role's maximum session lasts from one to twelve hours",
			Severity: Medium,
			Reason:   "IAM refuses the role",
			Check: func(c *Checker) {
				c.Each(func(r *offline.Resource) string {
					v := r.Get("maxSessionDuration")
					if v == nil || !known(v) {
						return ""
					}
					d := r.Int("maxSessionDuration")
					return unless(d >= 3600 && d <= 43200, fmt.Sprintf("maxSessionDuration is %d seconds", d))
				}, typeRole)
			},
		}, Constraint{
			Dimension: DimArguments, Kind: Static,
			URL:   "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html",
			Quote: "If you do not specify a value for this setting, the default value of one hour is applied. This setting can have a value from 1 hour to 12 hours.",
			Error: "ValidationError",
		}),
		awsRule(&Rule{
			ID:       "iam-role-chaining-one-hour",
			Title:    "No provider asks for a role session over an hour: every provider's role is assumed from another role's session",
			Severity: High,
			Reason:   "STS refuses a chained session over an hour: every resource of the provider fails",
			Check: func(c *Checker) {
				c.Each(func(p *offline.Resource) string {
					v := p.Get("assumeRole.durationSeconds")
					if v == nil || !known(v) {
						return ""
					}
					d := p.Int("assumeRole.durationSeconds")
					return unless(d <= 3600, fmt.Sprintf("assumeRole.durationSeconds is %d", d))
				}, typeAWSProvider)
			},
		}, Constraint{
			Dimension: DimArguments, Kind: Static,
			URL:   "https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html",
			Quote: "Role chaining limits your Amazon Web Services CLI or Amazon Web Services API role session to a maximum of one hour. … However, if you assume a role using role chaining and provide a DurationSeconds parameter value greater than one hour, the operation fails.",
			Error: "ValidationError",
		}),
		awsRule(&Rule{
			ID:       "instance-metadata-defaults-values",
			Title:    "The account's instance metadata defaults use values EC2 accepts (hop limit 1-64 or -1, tokens optional, required or no-preference)",
			Severity: Medium,
			Reason:   "EC2 refuses the defaults",
			Check: func(c *Checker) {
				c.Each(func(r *offline.Resource) string {
					if v := r.Get("httpPutResponseHopLimit"); v != nil && known(v) {
						if h := r.Int("httpPutResponseHopLimit"); h != -1 && (h < 1 || h > 64) {
							return fmt.Sprintf("httpPutResponseHopLimit is %d", h)
						}
					}
					if t := r.String("httpTokens"); t != "" && !slices.Contains([]string{"optional", "required", "no-preference"}, t) {
						return fmt.Sprintf("httpTokens is %q", t)
					}
					return ""
				}, typeInstanceMetadataDefault)
			},
		}, Constraint{
			Dimension: DimArguments, Kind: Static,
			URL:   "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyInstanceMetadataDefaults.html",
			Quote: "The maximum number of hops that the metadata token can travel. To indicate no preference, specify -1. Possible values: Integers from 1 to 64, and -1 to indicate no preference",
			Error: "InvalidParameterValue",
		}),
		awsRule(&Rule{
			ID:       "maintenance-window-schedule",
			Title:    "Maintenance windows use a six-field cron (or a rate), last 1-24 hours and stop scheduling tasks 0-23 hours before their end, within their duration",
			Severity: Medium,
			Reason:   "Systems Manager refuses the window: no patches are ever installed",
			Check: func(c *Checker) {
				c.Each(func(r *offline.Resource) string {
					sched := r.String("schedule")
					d, cut := r.Int("duration"), r.Int("cutoff")
					switch {
					case strings.HasPrefix(sched, "cron(") && !cronSix.MatchString(sched):
						return fmt.Sprintf("schedule %s does not have six fields", sched)
					case d < 1 || d > 24:
						return fmt.Sprintf("duration is %d hours", d)
					case cut < 0 || cut > 23 || cut >= d:
						return fmt.Sprintf("cutoff is %d hours of a %d-hour window", cut, d)
					}
					return ""
				}, typeMaintenanceWindow)
			},
		}, Constraint{
			Dimension: DimArguments, Kind: Static,
			URL:   "https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_MaintenanceWindowIdentity.html",
			Quote: "Cutoff … Valid Range: Minimum value of 0. Maximum value of 23. … Duration … Valid Range: Minimum value of 1. Maximum value of 24.",
			Error: "ValidationException",
		}),
	}
}
