package waf

import (
	"reflect"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The provider's type tokens of the resources this package registers. The
// pulumi-aws wafv2 Go package is not imported: compiling it alone needs
// tens of gigabytes of memory. The structs below are the inputs this
// package sets, named exactly as the provider's schema names them (the
// property names of the pulumi-aws registry pages; schema_test.go checks
// every registered input against the pinned SDK's own types).
// Sources: https://www.pulumi.com/registry/packages/aws/api-docs/wafv2/webacl/,
// https://www.pulumi.com/registry/packages/aws/api-docs/wafv2/webaclassociation/,
// https://www.pulumi.com/registry/packages/aws/api-docs/wafv2/webaclloggingconfiguration/
const (
	TypeWebACL              = "aws:wafv2/webAcl:WebAcl"
	TypeWebACLAssociation   = "aws:wafv2/webAclAssociation:WebAclAssociation"
	TypeWebACLLoggingConfig = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"
)

// empty is an action or override without parameters ({} in the schema).
type empty struct{}

// webACLInputs are the inputs of aws:wafv2/webAcl:WebAcl.
type webACLInputs struct {
	Name             string           `pulumi:"name"`
	Description      string           `pulumi:"description"`
	Scope            string           `pulumi:"scope"`
	DefaultAction    defaultAction    `pulumi:"defaultAction"`
	Rules            []rule           `pulumi:"rules"`
	VisibilityConfig visibilityConfig `pulumi:"visibilityConfig"`
}

// ElementType makes the inputs a pulumi.Input the SDK marshals by tag.
func (webACLInputs) ElementType() reflect.Type { return reflect.TypeOf(webACLInputs{}) }

type defaultAction struct {
	Allow *empty `pulumi:"allow"`
}

type rule struct {
	Name             string           `pulumi:"name"`
	Priority         int              `pulumi:"priority"`
	Action           *ruleAction      `pulumi:"action"`
	OverrideAction   *overrideAction  `pulumi:"overrideAction"`
	Statement        statement        `pulumi:"statement"`
	VisibilityConfig visibilityConfig `pulumi:"visibilityConfig"`
}

// ruleAction is the action of a rule of the ACL's own (the rate rule).
type ruleAction struct {
	Block *empty `pulumi:"block"`
	Count *empty `pulumi:"count"`
}

// overrideAction is how the ACL applies a rule group's own actions: none
// keeps them (block), count turns them into counts.
type overrideAction struct {
	None  *empty `pulumi:"none"`
	Count *empty `pulumi:"count"`
}

// statement is a rule's statement, and (through andStatement and
// notStatement) a nested one: the schema's nested statements have the
// same properties (those this package sets).
type statement struct {
	ManagedRuleGroupStatement *managedRuleGroupStatement `pulumi:"managedRuleGroupStatement"`
	RateBasedStatement        *rateBasedStatement        `pulumi:"rateBasedStatement"`
	AndStatement              *logicalStatement          `pulumi:"andStatement"`
	NotStatement              *logicalStatement          `pulumi:"notStatement"`
	OrStatement               *logicalStatement          `pulumi:"orStatement"`
	ByteMatchStatement        *byteMatchStatement        `pulumi:"byteMatchStatement"`
}

// logicalStatement combines statements: all of them (andStatement), any
// (orStatement), or the negation of its single one (notStatement).
type logicalStatement struct {
	Statements []statement `pulumi:"statements"`
}

// byteMatchStatement matches a part of the request against a string.
// SearchString is an input: the origin header's value is a secret output.
type byteMatchStatement struct {
	FieldToMatch         fieldToMatch         `pulumi:"fieldToMatch"`
	PositionalConstraint string               `pulumi:"positionalConstraint"`
	SearchString         pulumi.StringInput   `pulumi:"searchString"`
	TextTransformations  []textTransformation `pulumi:"textTransformations"`
}

// fieldToMatch is the part of the request a byte match inspects: one
// header, or the URI path.
type fieldToMatch struct {
	SingleHeader *singleHeader `pulumi:"singleHeader"`
	UriPath      *empty        `pulumi:"uriPath"` //nolint:revive // the schema's spelling
}

// textTransformation normalizes the inspected part before the match.
type textTransformation struct {
	Priority int    `pulumi:"priority"`
	Type     string `pulumi:"type"`
}

type managedRuleGroupStatement struct {
	Name       string `pulumi:"name"`
	VendorName string `pulumi:"vendorName"`
}

type rateBasedStatement struct {
	Limit               int    `pulumi:"limit"`
	AggregateKeyType    string `pulumi:"aggregateKeyType"`
	EvaluationWindowSec int    `pulumi:"evaluationWindowSec"`
	// ScopeDownStatement narrows what the rule counts (nil: every request).
	ScopeDownStatement *statement `pulumi:"scopeDownStatement"`
}

type visibilityConfig struct {
	CloudwatchMetricsEnabled bool   `pulumi:"cloudwatchMetricsEnabled"`
	MetricName               string `pulumi:"metricName"`
	SampledRequestsEnabled   bool   `pulumi:"sampledRequestsEnabled"`
}

// webACLAssociationInputs are the inputs of
// aws:wafv2/webAclAssociation:WebAclAssociation.
type webACLAssociationInputs struct {
	ResourceArn pulumi.StringInput `pulumi:"resourceArn"`
	WebAclArn   pulumi.StringInput `pulumi:"webAclArn"` //nolint:revive // the schema's spelling
}

// ElementType makes the inputs a pulumi.Input the SDK marshals by tag.
func (webACLAssociationInputs) ElementType() reflect.Type {
	return reflect.TypeOf(webACLAssociationInputs{})
}

// loggingConfigInputs are the inputs of
// aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration.
type loggingConfigInputs struct {
	ResourceArn           pulumi.StringInput      `pulumi:"resourceArn"`
	LogDestinationConfigs pulumi.StringArrayInput `pulumi:"logDestinationConfigs"`
	RedactedFields        []redactedField         `pulumi:"redactedFields"`
}

// ElementType makes the inputs a pulumi.Input the SDK marshals by tag.
func (loggingConfigInputs) ElementType() reflect.Type { return reflect.TypeOf(loggingConfigInputs{}) }

type redactedField struct {
	SingleHeader *singleHeader `pulumi:"singleHeader"`
}

type singleHeader struct {
	Name string `pulumi:"name"`
}

// webACLState is what the program reads back from a web ACL.
type webACLState struct {
	pulumi.CustomResourceState

	Arn pulumi.StringOutput `pulumi:"arn"`
}

// plainState is a registered resource whose outputs nobody reads.
type plainState struct {
	pulumi.CustomResourceState
}
