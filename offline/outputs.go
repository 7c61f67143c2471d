package offline

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// OutputFunc adds what the cloud would compute for one resource type to its
// state (which starts as a copy of the inputs, plus id, arn, name and
// tagsAll). Register one in outputFuncs for every type whose computed
// outputs the program reads.
type OutputFunc func(r *Resource, e env, state map[string]any) error

// outputFuncs holds the type-specific output mocks, one file per AWS service
// (outputs_<service>.go) adds its own from init.
var outputFuncs = map[string]OutputFunc{}

// registerOutputs adds the output mock of a type token; a second
// registration of the same token is a programming error in the offline.
func registerOutputs(token string, f OutputFunc) {
	if _, dup := outputFuncs[token]; dup {
		panic("offline: duplicate output mock for " + token)
	}
	outputFuncs[token] = f
}

// outputs builds the state the mock returns for r.
func (m *mocks) outputs(r *Resource, e env, inputs resource.PropertyMap) (resource.PropertyMap, error) {
	if r.Type == stackReferenceType {
		return m.stackReference(r)
	}
	return cloudState(r, e, inputs)
}

// cloudState is what the cloud would hold for r once created: its inputs,
// plus name, arn and tagsAll for AWS resources, plus what the type's output
// mock adds.
func cloudState(r *Resource, e env, inputs resource.PropertyMap) (resource.PropertyMap, error) {
	state := plainMap(inputs)
	if r.Custom && !isProviderType(r.Type) && packageOf(r.Type) == "aws" {
		service, kind := awsTypeParts(r.Type)
		if _, ok := state["name"]; !ok {
			state["name"] = physicalName(r)
		}
		if _, ok := state["arn"]; !ok {
			state["arn"] = arnFor(e, service, kind, fmt.Sprint(state["name"]))
		}
		tagsAll := map[string]any{}
		for k, v := range e.DefaultTags {
			tagsAll[k] = v
		}
		if tags, ok := state["tags"].(map[string]any); ok {
			for k, v := range tags {
				tagsAll[k] = v
			}
		}
		state["tagsAll"] = tagsAll
	}
	if f, ok := outputFuncs[r.Type]; ok {
		if err := f(r, e, state); err != nil {
			return nil, err
		}
	}
	return toPropertyMap(state), nil
}

// physicalName is the name Pulumi's autonaming would give r: the logical
// name plus a 7-character suffix. A read resource keeps its logical name.
func physicalName(r *Resource) string {
	if r.Read {
		return r.Name
	}
	return r.Name + "-" + shortHash(r.URN)
}

// generatedID gives r an id shaped like the real one where the shape is well
// known (vpc-…, sg-…), and a name-derived one otherwise.
func generatedID(r *Resource, _ env) string {
	if isProviderType(r.Type) {
		return shortHash(r.URN) + "-0000-4000-8000-" + shortHash(r.Name) + "00000"
	}
	if prefix, ok := idPrefixes[r.Type]; ok {
		return prefix + "-0" + shortHash(r.URN) + shortHash(r.Name)[:2]
	}
	if !r.Custom {
		return ""
	}
	return physicalName(r) + "-id"
}

// idPrefixes are the id shapes of the EC2 resources whose ids programs
// commonly pass around.
var idPrefixes = map[string]string{
	"aws:ec2/vpc:Vpc":                                                 "vpc",
	"aws:ec2/subnet:Subnet":                                           "subnet",
	"aws:ec2/securityGroup:SecurityGroup":                             "sg",
	"aws:ec2/routeTable:RouteTable":                                   "rtb",
	"aws:ec2/internetGateway:InternetGateway":                         "igw",
	"aws:ec2/natGateway:NatGateway":                                   "nat",
	"aws:ec2/vpcEndpoint:VpcEndpoint":                                 "vpce",
	"aws:ec2/vpcPeeringConnection:VpcPeeringConnection":               "pcx",
	"aws:ec2/networkAcl:NetworkAcl":                                   "acl",
	"aws:ec2/flowLog:FlowLog":                                         "fl",
	"aws:ec2/instance:Instance":                                       "i",
	"aws:ec2/eip:Eip":                                                 "eipalloc",
	"aws:ec2/launchTemplate:LaunchTemplate":                           "lt",
	"aws:ec2/defaultSecurityGroup:DefaultSecurityGroup":               "sg",
	"aws:route53/zone:Zone":                                           "Z0",
	"aws:ec2/vpcSecurityGroupIngressRule:VpcSecurityGroupIngressRule": "sgr",
	"aws:ec2/vpcSecurityGroupEgressRule:VpcSecurityGroupEgressRule":   "sgr",
}

// awsTypeParts splits "aws:ec2/securityGroup:SecurityGroup" into the ARN
// service ("ec2") and resource kind ("security-group").
func awsTypeParts(token string) (service, kind string) {
	parts := strings.Split(token, ":")
	if len(parts) != 3 {
		return "aws", "resource"
	}
	module := parts[1]
	if i := strings.IndexByte(module, '/'); i >= 0 {
		module = module[:i]
	}
	service = module
	switch module {
	case "cloudwatch":
		service = "logs"
	case "cfg":
		service = "config"
	case "lb", "alb":
		service = "elasticloadbalancing"
	case "appautoscaling":
		service = "application-autoscaling"
	}
	var b strings.Builder
	for i, c := range parts[2] {
		if unicode.IsUpper(c) && i > 0 {
			b.WriteByte('-')
		}
		b.WriteRune(unicode.ToLower(c))
	}
	return service, b.String()
}

// arnFor builds a plausible ARN. Global services (IAM, S3, Route 53,
// CloudFront) carry no region; S3 and Route 53 no account either.
func arnFor(e env, service, kind, name string) string {
	switch service {
	case "s3":
		return fmt.Sprintf("arn:%s:s3:::%s", e.Partition, name)
	case "iam", "cloudfront":
		return fmt.Sprintf("arn:%s:%s::%s:%s/%s", e.Partition, service, e.Account, kind, name)
	case "route53":
		return fmt.Sprintf("arn:%s:route53:::%s/%s", e.Partition, kind, name)
	}
	return fmt.Sprintf("arn:%s:%s:%s:%s:%s/%s", e.Partition, service, e.Region, e.Account, kind, name)
}
