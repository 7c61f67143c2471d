package observabilitypart

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/observability"
	"github.com/refarch/refarch/stacks/stack"
)

// Config configures cross-account observability (components/observability)
// in shared-services (the sink) and the application stacks (their links).
// Pulumi.yaml declares every key under the "observability" marker.
type Config struct {
	// ResourceTypes are the kinds of telemetry the application accounts
	// share with the monitoring account (refarch:observabilityResourceTypes):
	// the sink's policy allows exactly these, and each link asks for them.
	// Empty means observability.DefaultResourceTypes.
	ResourceTypes []string
	// LabelTemplate names an application account in the monitoring
	// account's consoles (refarch:observabilityLabel; application stacks).
	// Empty means observability.DefaultLabelTemplate.
	LabelTemplate string
}

// Load reads and validates the section; problems go to r. The rules are
// the component's (SinkArgs, LinkArgs), recorded under their keys.
func (s *Config) Load(r *stack.Reader, c *stack.Config) {
	m := stack.ByField(map[string]string{
		"Args.ResourceTypes": "observabilityResourceTypes",
		"Args.LabelTemplate": "observabilityLabel",
	})
	switch c.Role {
	case stack.RoleSharedServices:
		r.Object("observabilityResourceTypes", false, &s.ResourceTypes)
		args := &observability.SinkArgs{ResourceTypes: s.ResourceTypes}
		stack.RecordComponentProblems(&r.Problems, args.Validate(), m)
	case stack.RoleApp:
		r.Object("observabilityResourceTypes", false, &s.ResourceTypes)
		s.LabelTemplate, _ = r.Raw("observabilityLabel", false)
		args := &observability.LinkArgs{SinkARN: pulumi.String("placeholder"), ResourceTypes: s.ResourceTypes, LabelTemplate: s.LabelTemplate}
		stack.RecordComponentProblems(&r.Problems, args.Validate(), m)
	}
}

// Keys are the keys this part reads.
var Keys = []stack.KeyDoc{
	{Name: "observabilityResourceTypes", Part: "stacks/observabilitypart",
		Feeds: "components/observability (SinkArgs.ResourceTypes in shared-services, LinkArgs.ResourceTypes in application stacks)",
		Rule:  "at least one, each once, of AWS::CloudWatch::Metric, AWS::Logs::LogGroup, AWS::XRay::Trace, AWS::ApplicationInsights::Application, AWS::InternetMonitor::Monitor, AWS::ApplicationSignals::Service, AWS::ApplicationSignals::ServiceLevelObjective; the same in every stack (the sink allows only its own)"},
	{Name: "observabilityLabel", Part: "stacks/observabilitypart",
		Feeds: "components/observability (LinkArgs.LabelTemplate) in application stacks",
		Rule:  "1-64 characters; variables only $AccountName, $AccountEmail, $AccountEmailNoDomain"},
}
