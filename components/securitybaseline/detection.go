package securitybaseline

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/guardduty"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/securityhub"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// GuardDutyFeatures are the GuardDuty protections the baseline enables
// (Security Hub GuardDuty.5-10 check them). RUNTIME_MONITORING also turns
// on automated agent management for ECS Fargate, EC2 and EKS.
// Source: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_DetectorFeatureConfiguration.html
var GuardDutyFeatures = []string{
	"S3_DATA_EVENTS",
	"EKS_AUDIT_LOGS",
	"EBS_MALWARE_PROTECTION",
	"RDS_LOGIN_EVENTS",
	"LAMBDA_NETWORK_LOGS",
	"RUNTIME_MONITORING",
}

// runtimeAgents are the agents GuardDuty manages for RUNTIME_MONITORING.
var runtimeAgents = []string{"ECS_FARGATE_AGENT_MANAGEMENT", "EC2_AGENT_MANAGEMENT", "EKS_ADDON_MANAGEMENT"}

// SecurityHubStandards returns the ARNs of the standards the baseline
// subscribes to: AWS Foundational Security Best Practices v1.0.0 and CIS
// AWS Foundations Benchmark v3.0.0.
// Source: https://docs.aws.amazon.com/securityhub/latest/userguide/standards-reference.html
func SecurityHubStandards(partition, region string) map[string]string {
	return map[string]string{
		"fsbp": fmt.Sprintf("arn:%s:securityhub:%s::standards/aws-foundational-security-best-practices/v/1.0.0", partition, region),
		"cis":  fmt.Sprintf("arn:%s:securityhub:%s::standards/cis-aws-foundations-benchmark/v/3.0.0", partition, region),
	}
}

// detection enables GuardDuty with its protections (Security Hub
// GuardDuty.1) and Security Hub with FSBP and CIS (CIS 4.16), and sends
// their high-severity findings to the alert topic. At most one detector per
// account and region exists, so the baseline owns it, except in an
// organization's member account (Args.OrganizationMember), where the
// delegated administrator's auto-enablement creates the detector and
// central configuration the hub: there the baseline creates neither, and
// the member's findings reach the administrator's rules.
// Source: https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_organizations.html
func (b *builder) detection() error {
	if b.a.OrganizationMember != nil {
		b.c.DetectorID = pulumi.String("").ToStringOutput()
		// The administrator enables RUNTIME_MONITORING with Fargate's agent
		// in every member unless the protection is disabled.
		b.c.FargateAgentManagement = !slices.Contains(b.a.DisabledGuardDutyFeatures, "RUNTIME_MONITORING")
		return nil
	}
	detector, err := guardduty.NewDetector(b.ctx, b.name, &guardduty.DetectorArgs{
		Enable: pulumi.Bool(true),
		// Findings reach EventBridge (and the alert topic) within 15 minutes
		// instead of the default 6 hours.
		FindingPublishingFrequency: pulumi.String("FIFTEEN_MINUTES"),
	}, b.child)
	if err != nil {
		return err
	}
	b.detector = detector
	b.c.DetectorID = detector.ID().ToStringOutput()
	for _, f := range GuardDutyFeatures {
		status := "ENABLED"
		if slices.Contains(b.a.DisabledGuardDutyFeatures, f) {
			status = "DISABLED"
		}
		args := &guardduty.DetectorFeatureArgs{
			DetectorId: detector.ID(),
			Name:       pulumi.String(f),
			Status:     pulumi.String(status),
		}
		if f == "RUNTIME_MONITORING" {
			var agents guardduty.DetectorFeatureAdditionalConfigurationArray
			for _, agent := range runtimeAgents {
				agents = append(agents, &guardduty.DetectorFeatureAdditionalConfigurationArgs{
					Name: pulumi.String(agent), Status: pulumi.String(status),
				})
			}
			args.AdditionalConfigurations = agents
		}
		feature, err := guardduty.NewDetectorFeature(b.ctx, b.name+"-"+strings.ToLower(strings.ReplaceAll(f, "_", "-")), args, b.child)
		if err != nil {
			return err
		}
		if f == "RUNTIME_MONITORING" && status == "ENABLED" {
			b.c.RuntimeMonitoring = feature
			b.c.FargateAgentManagement = slices.Contains(runtimeAgents, "ECS_FARGATE_AGENT_MANAGEMENT")
		}
	}

	hub, err := securityhub.NewAccount(b.ctx, b.name, &securityhub.AccountArgs{
		// Only the standards below, explicitly; new controls of those
		// standards are enabled as AWS adds them; one finding per control
		// across standards.
		EnableDefaultStandards:  pulumi.Bool(false),
		AutoEnableControls:      pulumi.Bool(true),
		ControlFindingGenerator: pulumi.String("SECURITY_CONTROL"),
	}, b.child)
	if err != nil {
		return err
	}
	b.hub = hub
	standards := SecurityHubStandards(b.a.Partition, b.a.Region)
	for _, key := range []string{"fsbp", "cis"} {
		if _, err := securityhub.NewStandardsSubscription(b.ctx, b.name+"-"+key, &securityhub.StandardsSubscriptionArgs{
			StandardsArn: pulumi.String(standards[key]),
		}, b.child, pulumi.DependsOn([]pulumi.Resource{hub})); err != nil {
			return err
		}
	}
	return b.findingRules(hub)
}

// managementDetector creates the management account's GuardDuty detector
// (Args.ManagementAccount): before the delegated administrator's
// auto-enablement, so that it exists once whether or not auto-enablement
// covers the management account; its protections and findings are the
// administrator's (organization configuration and event rules).
// Source: https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_organizations.html
func (b *builder) managementDetector() error {
	// Protected and retained: once the organization auto-enables
	// GuardDuty, a deleted detector comes back as one GuardDuty created,
	// which this stack could not create again (one detector per account).
	detector, err := guardduty.NewDetector(b.ctx, b.name, &guardduty.DetectorArgs{
		Enable:                     pulumi.Bool(true),
		FindingPublishingFrequency: pulumi.String("FIFTEEN_MINUTES"),
	}, b.child, pulumi.Protect(b.a.Protect), pulumi.RetainOnDelete(true))
	if err != nil {
		return err
	}
	b.c.DetectorID = detector.ID().ToStringOutput()
	return nil
}

// findingPatterns are the EventBridge patterns of the findings sent to the
// alert topic: GuardDuty findings of high or critical severity (7.0 and
// above) and new, active Security Hub findings labelled HIGH or CRITICAL.
// Sources: https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings_cloudwatch.html,
// https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-cwe-event-formats.html
var findingPatterns = map[string]map[string]any{
	"guardduty-findings": {
		"source":      []string{"aws.guardduty"},
		"detail-type": []string{"GuardDuty Finding"},
		"detail":      map[string]any{"severity": []any{map[string]any{"numeric": []any{">=", 7}}}},
	},
	"securityhub-findings": {
		"source":      []string{"aws.securityhub"},
		"detail-type": []string{"Security Hub Findings - Imported"},
		"detail": map[string]any{"findings": map[string]any{
			"Severity":    map[string]any{"Label": []string{"HIGH", "CRITICAL"}},
			"Workflow":    map[string]any{"Status": []string{"NEW"}},
			"RecordState": []string{"ACTIVE"},
		}},
	},
}

// findingRules routes findingPatterns to the alert topic.
func (b *builder) findingRules(hub pulumi.Resource) error {
	for _, name := range []string{"guardduty-findings", "securityhub-findings"} {
		pattern, err := json.Marshal(findingPatterns[name])
		if err != nil {
			return err
		}
		rule, err := cloudwatch.NewEventRule(b.ctx, b.name+"-"+name, &cloudwatch.EventRuleArgs{
			Name:         pulumi.String(b.name + "-" + name),
			Description:  pulumi.String("High-severity " + strings.TrimSuffix(name, "-findings") + " findings to the alert topic"),
			EventPattern: pulumi.String(string(pattern)),
		}, b.child, pulumi.DependsOn([]pulumi.Resource{hub}))
		if err != nil {
			return err
		}
		if _, err := cloudwatch.NewEventTarget(b.ctx, b.name+"-"+name, &cloudwatch.EventTargetArgs{
			Rule:     rule.Name,
			TargetId: pulumi.String("alert-topic"),
			Arn:      b.a.AlertTopicARN,
		}, b.child); err != nil {
			return err
		}
	}
	return nil
}
