package observability

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/validate"
)

// The resource types of the telemetry a source account can share, as the
// Observability Access Manager names them.
const (
	// TypeMetric is CloudWatch's metrics.
	TypeMetric = "AWS::CloudWatch::Metric"
	// TypeLogGroup is CloudWatch Logs' log groups.
	TypeLogGroup = "AWS::Logs::LogGroup"
	// TypeTrace is X-Ray's traces.
	TypeTrace = "AWS::XRay::Trace"
)

// ResourceTypes are the values CreateLink accepts in ResourceTypes, which
// a sink policy may allow with the oam:ResourceTypes condition key.
// Source: https://docs.aws.amazon.com/OAM/latest/APIReference/API_CreateLink.html
// Source: https://docs.aws.amazon.com/OAM/latest/APIReference/API_PutSinkPolicy.html
var ResourceTypes = []string{
	TypeMetric, TypeLogGroup, TypeTrace,
	"AWS::ApplicationInsights::Application", "AWS::InternetMonitor::Monitor",
	"AWS::ApplicationSignals::Service", "AWS::ApplicationSignals::ServiceLevelObjective",
}

// DefaultResourceTypes are what one place to look needs: metrics, log
// groups and traces, the three kinds of telemetry an operator follows a
// request through.
var DefaultResourceTypes = []string{TypeMetric, TypeLogGroup, TypeTrace}

// LabelVariables are the variables a link's label template may use; each
// resolves to the source account's name, address, or address without its
// domain.
// Source: https://docs.aws.amazon.com/OAM/latest/APIReference/API_CreateLink.html
var LabelVariables = []string{"$AccountName", "$AccountEmail", "$AccountEmailNoDomain"}

// DefaultLabelTemplate labels a source account by its name in the
// monitoring account's consoles (refarch-prod, …).
const DefaultLabelTemplate = "$AccountName"

// MaxLabelTemplateLength is CreateLink's limit on LabelTemplate.
// Source: https://docs.aws.amazon.com/OAM/latest/APIReference/API_CreateLink.html
const MaxLabelTemplateLength = 64

var labelVariable = regexp.MustCompile(`\$[A-Za-z]+`)

// CheckLabelTemplate returns the rule a link's label template breaks, or
// "": 1 to 64 characters, and no variable but LabelVariables.
func CheckLabelTemplate(t string) string {
	if t == "" || len(t) > MaxLabelTemplateLength {
		return fmt.Sprintf("must be 1-%d characters (CreateLink's LabelTemplate, https://docs.aws.amazon.com/OAM/latest/APIReference/API_CreateLink.html)", MaxLabelTemplateLength)
	}
	for _, v := range labelVariable.FindAllString(t, -1) {
		if !slices.Contains(LabelVariables, v) {
			return fmt.Sprintf("uses %s: the variables are %s (https://docs.aws.amazon.com/OAM/latest/APIReference/API_CreateLink.html)", v, strings.Join(LabelVariables, ", "))
		}
	}
	return ""
}

// CheckResourceTypes returns the rule a list of shared resource types
// breaks, or "": at least one, each one of ResourceTypes, none twice.
func CheckResourceTypes(types []string) string {
	if len(types) == 0 {
		return "must list at least one resource type (CreateLink requires one)"
	}
	seen := map[string]bool{}
	for _, t := range types {
		if !slices.Contains(ResourceTypes, t) {
			return fmt.Sprintf("%q is not a resource type CreateLink accepts: one of %s (https://docs.aws.amazon.com/OAM/latest/APIReference/API_CreateLink.html)", t, strings.Join(ResourceTypes, ", "))
		}
		if seen[t] {
			return fmt.Sprintf("lists %s twice", t)
		}
		seen[t] = true
	}
	return ""
}

// MaxNameLength bounds a component's name: it names the sink (CreateSink
// allows 255 characters), the dashboard (CloudWatch allows 255) and
// prefixes the alarms' names (255), which add an environment of at most
// 10 characters and the longest alarm kind.
const MaxNameLength = 64

// CheckName returns the rule a Sink's, Link's or Overview's name breaks,
// or "". validate.CheckName's names (lower-case letters, digits and '-')
// are all names CreateSink accepts (letters, digits, '_', '.', '-', at
// most 255).
// Source: https://docs.aws.amazon.com/OAM/latest/APIReference/API_CreateSink.html
func CheckName(name string) string {
	return validate.CheckName(name, MaxNameLength)
}

// SinkArgs configures a Sink. Zero values mean the default.
type SinkArgs struct {
	// AccountID is the monitoring account, where the sink lives. Required:
	// it is never among SourceAccountIDs (its own telemetry is there
	// already).
	AccountID string
	// SourceAccountIDs are the only accounts the sink policy lets link to
	// the sink. Required (at least one, each once): a policy naming the
	// accounts, not the organization, admits no account the program does
	// not know.
	SourceAccountIDs []string
	// ResourceTypes are the only kinds of telemetry the sink policy lets a
	// link share (condition oam:ResourceTypes). Default
	// DefaultResourceTypes.
	ResourceTypes []string
}

func (a SinkArgs) withDefaults() SinkArgs {
	if len(a.ResourceTypes) == 0 {
		a.ResourceTypes = DefaultResourceTypes
	}
	a.ResourceTypes = slices.Clone(a.ResourceTypes)
	a.SourceAccountIDs = slices.Clone(a.SourceAccountIDs)
	return a
}

// Validate reports every problem of the arguments (with the defaults
// applied) at once.
func (a *SinkArgs) Validate() error { return a.withDefaults().validate() }

func (a SinkArgs) validate() error {
	var p validate.Problems
	p.Check("Args.AccountID", a.AccountID, validate.CheckAccountID(a.AccountID))
	if len(a.SourceAccountIDs) == 0 {
		p.Add("Args.SourceAccountIDs", "[]", "must list at least one account: a sink no account may link to shares nothing")
	}
	seen := map[string]bool{}
	for i, id := range a.SourceAccountIDs {
		field := fmt.Sprintf("Args.SourceAccountIDs[%d]", i)
		switch {
		case validate.CheckAccountID(id) != "":
			p.Add(field, id, validate.CheckAccountID(id))
		case id == a.AccountID:
			p.Add(field, id, "is the monitoring account itself: its telemetry is already there")
		case seen[id]:
			p.Add(field, id, "is listed twice")
		}
		seen[id] = true
	}
	p.Check("Args.ResourceTypes", strings.Join(a.ResourceTypes, ","), CheckResourceTypes(a.ResourceTypes))
	return p.Err("sink arguments")
}

// LinkArgs configures a Link. Zero values mean the default.
type LinkArgs struct {
	// SinkARN is the monitoring account's sink. Required: AWS creates a
	// link only to an existing sink whose policy admits this account.
	SinkARN pulumi.StringInput
	// ResourceTypes are the kinds of telemetry shared. Default
	// DefaultResourceTypes; each must be allowed by the sink's policy.
	ResourceTypes []string
	// LabelTemplate names this account in the monitoring account's
	// consoles. Default DefaultLabelTemplate; 1-64 characters, variables
	// among LabelVariables.
	LabelTemplate string
}

func (a LinkArgs) withDefaults() LinkArgs {
	if len(a.ResourceTypes) == 0 {
		a.ResourceTypes = DefaultResourceTypes
	}
	a.ResourceTypes = slices.Clone(a.ResourceTypes)
	if a.LabelTemplate == "" {
		a.LabelTemplate = DefaultLabelTemplate
	}
	return a
}

// Validate reports every problem of the arguments (with the defaults
// applied) at once.
func (a *LinkArgs) Validate() error { return a.withDefaults().validate() }

func (a LinkArgs) validate() error {
	var p validate.Problems
	if a.SinkARN == nil {
		p.Add("Args.SinkARN", "", "is required: a link attaches to a sink")
	}
	p.Check("Args.ResourceTypes", strings.Join(a.ResourceTypes, ","), CheckResourceTypes(a.ResourceTypes))
	p.Check("Args.LabelTemplate", a.LabelTemplate, CheckLabelTemplate(a.LabelTemplate))
	return p.Err("link arguments")
}

// Environment is one source account the Overview watches.
type Environment struct {
	// Name names its widgets and alarms (dev, prod). Required: 2-10
	// lower-case letters and digits.
	Name string
	// AccountID is its account, which every query of it is scoped to
	// (AWS.AccountId). Required.
	AccountID string
}

// OverviewArgs configures an Overview. Zero values mean the default.
type OverviewArgs struct {
	// AccountID is the monitoring account. Required: no environment may
	// be it.
	AccountID string
	// Region is where the dashboard's widgets read. Required.
	Region string
	// Environments are the source accounts watched, in order. Required
	// (at least one).
	Environments []Environment
	// TopicARN is notified by every alarm on ALARM and on OK: a topic of
	// the monitoring account. Required.
	TopicARN pulumi.StringInput
	// Alarms are the cross-account alarms of every environment. Default
	// DefaultOverviewAlarms.
	Alarms []OverviewAlarm
}

var envName = regexp.MustCompile(`^[a-z][a-z0-9]{1,9}$`)

func (a OverviewArgs) withDefaults() OverviewArgs {
	if a.Alarms == nil {
		a.Alarms = DefaultOverviewAlarms
	}
	a.Alarms = slices.Clone(a.Alarms)
	a.Environments = slices.Clone(a.Environments)
	return a
}

// Validate reports every problem of the arguments (with the defaults
// applied) at once.
func (a *OverviewArgs) Validate() error { return a.withDefaults().validate() }

func (a OverviewArgs) validate() error {
	var p validate.Problems
	p.Check("Args.AccountID", a.AccountID, validate.CheckAccountID(a.AccountID))
	p.Check("Args.Region", a.Region, validate.CheckRegion(a.Region))
	if a.TopicARN == nil {
		p.Add("Args.TopicARN", "", "is required: an alarm nobody hears is no alarm")
	}
	if len(a.Environments) == 0 {
		p.Add("Args.Environments", "[]", "must list at least one environment")
	}
	names, ids := map[string]bool{}, map[string]bool{}
	for i, e := range a.Environments {
		field := fmt.Sprintf("Args.Environments[%d]", i)
		if !envName.MatchString(e.Name) {
			p.Add(field+".Name", e.Name, "must be 2-10 lower-case letters and digits, starting with a letter")
		} else if names[e.Name] {
			p.Add(field+".Name", e.Name, "is listed twice")
		}
		names[e.Name] = true
		switch {
		case validate.CheckAccountID(e.AccountID) != "":
			p.Add(field+".AccountID", e.AccountID, validate.CheckAccountID(e.AccountID))
		case e.AccountID == a.AccountID:
			p.Add(field+".AccountID", e.AccountID, "is the monitoring account itself")
		case ids[e.AccountID]:
			p.Add(field+".AccountID", e.AccountID, "is listed twice")
		}
		ids[e.AccountID] = true
	}
	kinds := map[string]bool{}
	for i, al := range a.Alarms {
		field := fmt.Sprintf("Args.Alarms[%d]", i)
		if al.Kind == "" || kinds[al.Kind] {
			p.Add(field+".Kind", al.Kind, "must name the alarm, once")
		}
		kinds[al.Kind] = true
		if rule := CheckMetricsInsightsFunction(al.Function); rule != "" {
			p.Add(field+".Function", al.Function, rule)
		}
		if al.PeriodSeconds < 60 || al.PeriodSeconds%60 != 0 {
			p.Add(field+".PeriodSeconds", fmt.Sprint(al.PeriodSeconds), "must be a multiple of 60 seconds")
		}
		p.Check(field+".EvaluationPeriods", fmt.Sprint(al.EvaluationPeriods), validate.CheckRange(al.EvaluationPeriods, 1, 100))
		if !slices.Contains([]string{"GreaterThanThreshold", "LessThanThreshold"}, al.Comparison) {
			p.Add(field+".Comparison", al.Comparison, "must be GreaterThanThreshold or LessThanThreshold")
		}
	}
	return p.Err("overview arguments")
}

// MetricsInsightsFunctions are the functions a Metrics Insights query
// aggregates with: no percentiles.
// Source: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-metrics-insights-querylanguage.html
var MetricsInsightsFunctions = []string{"AVG", "COUNT", "MAX", "MIN", "SUM"}

// CheckMetricsInsightsFunction returns the rule a Metrics Insights
// function breaks, or "".
func CheckMetricsInsightsFunction(f string) string {
	if !slices.Contains(MetricsInsightsFunctions, f) {
		return "must be one of " + strings.Join(MetricsInsightsFunctions, ", ") + ": Metrics Insights has no other (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-metrics-insights-querylanguage.html)"
	}
	return ""
}
