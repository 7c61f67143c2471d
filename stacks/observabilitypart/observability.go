// Package observabilitypart is the cross-account observability part: one
// place to look. shared-services is the monitoring account: it holds the
// sink every application account links its metrics, log groups and traces
// to, and the dashboard and alarms of every environment, notifying its
// alert topic; each application stack creates its link.
//
// Why shared-services: operators already sign in there (the persona roles
// refarch-ops and refarch-full-access, the VPN), AWS's model is one central
// monitoring account (and AWS advises keeping the management account for
// the organization alone), and the security
// account stays narrow (its people and audit data are not the operators').
// And the order: a link needs the sink to exist and its policy to admit
// the source account, so the sink must deploy before every account that
// links. shared-services deploys before every application environment, so
// each environment links on its first deployment, without a second pass.
// management and security deploy before it and do not link: management
// holds the organization only (no workload to watch), and security's
// telemetry (findings, the notifier's alerts) stays with the security
// team. Neither needs a second pass.
// Sources: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-Unified-Cross-Account-Setup.html,
// https://docs.aws.amazon.com/OAM/latest/APIReference/API_CreateLink.html,
// https://docs.aws.amazon.com/organizations/latest/userguide/orgs_best-practices_mgmt-acct.html
package observabilitypart

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/observability"
	"github.com/refarch/refarch/stacks/stack"
)

// MonitoringStack is the stack of the monitoring account.
const MonitoringStack = "shared-services"

// OutputSinkARN is shared-services' output of the sink's ARN, which every
// application stack's link names.
const OutputSinkARN = "monitoringSinkArn"

// SinkName is the sink's name; OverviewName the dashboard's and the
// prefix of the cross-account alarms.
const (
	SinkName     = stack.Namespace + "-monitoring"
	OverviewName = stack.Namespace + "-environments"
)

// LinkName is an application stack's link.
func LinkName(c *stack.Config) string { return stack.Namespace + "-" + c.Stack + "-monitoring" }

// Environments are the application environments of the directory with
// their accounts, in deployment order: the sink's sources and the
// overview's rows.
func Environments(c *stack.Config) []observability.Environment {
	var out []observability.Environment
	for _, name := range c.NamesOf(stack.RoleApp) {
		out = append(out, observability.Environment{Name: name, AccountID: c.Accounts[name].ID})
	}
	return out
}

// Deploy creates the sink, the dashboard and the alarms in shared-services,
// and the link in an application stack.
func Deploy(ctx *pulumi.Context, c *stack.Config, s *Config, p *stack.Providers, a *stack.Parts) error {
	switch c.Role {
	case stack.RoleSharedServices:
		return deployMonitoring(ctx, c, s, p, a)
	case stack.RoleApp:
		return deployLink(ctx, c, s, p, a)
	}
	return nil
}

func deployMonitoring(ctx *pulumi.Context, c *stack.Config, s *Config, p *stack.Providers, a *stack.Parts) error {
	if a.Baseline == nil || a.Baseline.AlertTopicARN == nil {
		return fmt.Errorf("the cross-account alarms need the alert topic: the baseline part must run first")
	}
	envs := Environments(c)
	var sources []string
	for _, e := range envs {
		sources = append(sources, e.AccountID)
	}
	sink, err := observability.NewSink(ctx, SinkName, &observability.SinkArgs{
		AccountID:        c.AccountID,
		SourceAccountIDs: sources,
		ResourceTypes:    s.ResourceTypes,
	}, pulumi.Provider(p.Account))
	if err != nil {
		return err
	}
	ctx.Export(OutputSinkARN, sink.SinkARN)
	_, err = observability.NewOverview(ctx, OverviewName, &observability.OverviewArgs{
		AccountID:    c.AccountID,
		Region:       c.Region,
		Environments: envs,
		TopicARN:     a.Baseline.AlertTopicARN,
	}, pulumi.Provider(p.Account))
	return err
}

func deployLink(ctx *pulumi.Context, c *stack.Config, s *Config, p *stack.Providers, a *stack.Parts) error {
	// Read now, not as an output: without the sink (shared-services not
	// deployed yet) the stack stops here, naming the order, instead of
	// AWS refusing the link.
	v, err := a.Value(ctx, MonitoringStack, OutputSinkARN)
	if err != nil {
		return err
	}
	arn, ok := v.(string)
	if !ok || arn == "" {
		return fmt.Errorf("%s exports %s as %v, not a sink's ARN", MonitoringStack, OutputSinkARN, v)
	}
	_, err = observability.NewLink(ctx, LinkName(c), &observability.LinkArgs{
		SinkARN:       pulumi.String(arn),
		ResourceTypes: s.ResourceTypes,
		LabelTemplate: s.LabelTemplate,
	}, pulumi.Provider(p.Account))
	return err
}
