package network

import (
	"fmt"
	"net/netip"
	"regexp"

	"github.com/refarch/refarch/components/keypolicy"
	"github.com/refarch/refarch/components/validate"
)

// NatStrategy says how the app tier reaches the internet.
type NatStrategy string

// The NAT strategies.
const (
	// NatOnePerAZ puts a NAT gateway in every zone: losing a zone never cuts
	// the others' egress. The default, and what prod uses.
	NatOnePerAZ NatStrategy = "one-per-az"
	// NatSingle shares one NAT gateway: a third of the cost for two zones,
	// but egress depends on one zone. For dev, stage and shared-services.
	NatSingle NatStrategy = "single"
	// NatNone gives the app tier no internet route at all (it can still
	// reach AWS through the VPC endpoints).
	NatNone NatStrategy = "none"
)

// awsx returns the awsx spelling of the strategy.
func (s NatStrategy) awsx() string {
	switch s {
	case NatSingle:
		return "Single"
	case NatNone:
		return "None"
	default:
		return "OnePerAz"
	}
}

// DefaultInterfaceEndpoints are the services the interface endpoints reach
// when InterfaceEndpoints is on: pulling images (ECR API and Docker
// registry), shipping logs, Session Manager (ssm, ssmmessages, ec2messages),
// reading secrets and using KMS keys, without leaving the VPC. A Fargate
// task pulling from ECR needs ecr.api, ecr.dkr, logs (awslogs) and S3 (the
// gateway endpoint, always created), secretsmanager or ssm for the secrets
// it is given, and ssmmessages for ECS Exec; ec2messages serves Session
// Manager on EC2 instances.
// Source: https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html,
// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html
var DefaultInterfaceEndpoints = []string{
	"ecr.api", "ecr.dkr", "logs", "ssm", "ssmmessages", "ec2messages", "secretsmanager", "kms",
}

// NetworkArgs configures a Network. Zero values mean the documented default.
type NetworkArgs struct {
	// CIDRBlock is the VPC's block (required): an RFC 1918 network address
	// between /16 and /24. It is split into 8 zone blocks (so zones can be
	// added later without moving any subnet), each holding an app, a data
	// and a public subnet.
	CIDRBlock string
	// AvailabilityZones are the zones to span, 2 to 6 (required). Order
	// matters: zone i always gets block i, so append, never reorder.
	AvailabilityZones []string
	// Masks sets the tiers' subnet sizes. Default: DefaultMasks (half of a
	// zone block for app, a quarter for data, an eighth for public). Public
	// subnets must be /27 or larger (ALB), app /24 or larger, data /28 or
	// larger.
	Masks Masks
	// NatGateways is the app tier's route to the internet. Default
	// NatOnePerAZ: no zone depends on another for egress.
	NatGateways NatStrategy
	// InterfaceEndpoints creates interface endpoints for
	// InterfaceEndpointServices in the app subnets, with their own security
	// group (Network.EndpointSecurityGroupID) admitting HTTPS from the VPC
	// only. Default false: each endpoint costs about $7 a month per zone
	// (Source: https://aws.amazon.com/privatelink/pricing/), and without
	// them the AWS APIs are reached through NAT, which needs security
	// groups open to the internet. Turn them on wherever services must not
	// reach the internet: pulling images, writing logs and reading secrets
	// then never leave the VPC.
	InterfaceEndpoints bool
	// InterfaceEndpointServices are the services (the part after
	// com.amazonaws.<region>.) given interface endpoints. Default
	// DefaultInterfaceEndpoints.
	InterfaceEndpointServices []string
	// FlowLogGroupPrefix starts the name of the flow logs' log group,
	// "<prefix>/<name>/flow-logs" (fixed, not autonamed, so the key policy
	// can name it before it exists). Default DefaultFlowLogGroupPrefix. It
	// must start with "/" and end without one.
	FlowLogGroupPrefix string
	// FlowLogRetentionDays is how long the VPC flow logs are kept. Default
	// 365: incident response usually needs months of history. Must be a
	// value CloudWatch Logs accepts.
	FlowLogRetentionDays int
	// DataTierPeerCIDRs are the private blocks, besides the app tier, that
	// the data tier's network ACL admits, such as the management VPC the
	// VPN lives in. Default none: only the app tier reaches the data tier.
	DataTierPeerCIDRs []string
	// KeyAdministrators are the IAM principals (ARNs) that administer the
	// flow logs' KMS key (never use it). Required: the deploy role.
	KeyAdministrators []string
	// Protect keeps the flow logs and their KMS key when the component is
	// deleted or replaced (pulumi protect and retainOnDelete). Default false;
	// prod stacks set it.
	Protect bool
	// Tags are added to every resource, on top of the provider's default
	// tags. Default none.
	Tags map[string]string
}

// withDefaults returns a copy of a with every zero value replaced by its
// default. The caller's Args are never modified.
func (a NetworkArgs) withDefaults() NetworkArgs {
	if a.NatGateways == "" {
		a.NatGateways = NatOnePerAZ
	}
	if a.FlowLogRetentionDays == 0 {
		a.FlowLogRetentionDays = 365
	}
	if a.FlowLogGroupPrefix == "" {
		a.FlowLogGroupPrefix = DefaultFlowLogGroupPrefix
	}
	if len(a.InterfaceEndpointServices) == 0 {
		a.InterfaceEndpointServices = DefaultInterfaceEndpoints
	}
	if a.Masks == (Masks{}) {
		if p, err := netip.ParsePrefix(a.CIDRBlock); err == nil {
			a.Masks = DefaultMasks(p)
		}
	}
	return a
}

// DefaultFlowLogGroupPrefix starts the flow-log group's name by default.
const DefaultFlowLogGroupPrefix = "/vpc"

// logGroupPrefix is a log group path: CloudWatch allows 512 characters of
// [A-Za-z0-9_./#-]; the rest of the name takes at most MaxNameLength+11.
// Source: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html
var logGroupPrefix = regexp.MustCompile(`^/[A-Za-z0-9_./#-]{0,399}[A-Za-z0-9_.#-]$`)

// MaxNameLength bounds a Network's name: it prefixes the names of the VPC's
// subnets, gateways, groups and keys, and their Name tags.
const MaxNameLength = 32

// CheckName returns the rule a Network's or Peering's name breaks, or "".
func CheckName(name string) string {
	return validate.CheckName(name, MaxNameLength)
}

// Validate reports every problem of the arguments (with the defaults
// applied), each naming the field, its value and the rule.
func (a *NetworkArgs) Validate() error {
	return a.withDefaults().validate()
}

func (a NetworkArgs) validate() error {
	var p validate.Problems
	vpc, rule := validate.ParseCIDR(a.CIDRBlock)
	if rule == "" {
		rule = validate.CheckPrivateCIDR(vpc)
	}
	if rule == "" {
		rule = validate.CheckPrefixLength(vpc, 16, 24)
	}
	p.Check("Args.CIDRBlock", a.CIDRBlock, rule)

	zones := len(a.AvailabilityZones)
	if zones < 2 || zones > 6 {
		p.Addf("Args.AvailabilityZones", fmt.Sprint(a.AvailabilityZones), "must list 2 to 6 zones: one zone is not highly available, and no region offers more than 6")
	}
	seen := map[string]bool{}
	for _, z := range a.AvailabilityZones {
		if seen[z] {
			p.Add("Args.AvailabilityZones", z, "lists the zone twice")
		}
		seen[z] = true
	}

	switch a.NatGateways {
	case NatOnePerAZ, NatSingle, NatNone:
	default:
		p.Addf("Args.NatGateways", string(a.NatGateways), "must be %q, %q or %q", NatOnePerAZ, NatSingle, NatNone)
	}
	p.Check("Args.FlowLogRetentionDays", fmt.Sprint(a.FlowLogRetentionDays), validate.CheckLogRetention(a.FlowLogRetentionDays))
	keypolicy.CheckAdministrators(&p, "Args.KeyAdministrators", a.KeyAdministrators)
	if !logGroupPrefix.MatchString(a.FlowLogGroupPrefix) {
		p.Add("Args.FlowLogGroupPrefix", a.FlowLogGroupPrefix, `must be "/" and up to 400 letters, digits and _-./# characters, ending without "/" (a CloudWatch log group path)`)
	}
	for i, c := range a.DataTierPeerCIDRs {
		peer, rule := validate.ParseCIDR(c)
		if rule == "" {
			rule = validate.CheckPrivateCIDR(peer)
		}
		p.Check(fmt.Sprintf("Args.DataTierPeerCIDRs[%d]", i), c, rule)
	}

	if rule == "" && zones >= 1 {
		for _, tier := range []struct {
			name       string
			mask, most int
			use        string
		}{
			{"Args.Masks.Public", a.Masks.Public, maxPublicMask, "an Application Load Balancer needs /27 or larger subnets"},
			{"Args.Masks.App", a.Masks.App, maxAppMask, "Fargate tasks take one address each: keep the app tier /24 or larger"},
			{"Args.Masks.Data", a.Masks.Data, maxDataMask, "AWS's smallest subnet is a /28"},
		} {
			if tier.mask > tier.most {
				p.Addf(tier.name, fmt.Sprintf("/%d", tier.mask), "is too small: %s (with %s, enlarge the VPC or set the tier masks)", tier.use, a.CIDRBlock)
			}
		}
		if _, err := PlanLayout(vpc, min(zones, zoneSlots), a.Masks); err != nil {
			p.Add("Args.Masks", fmt.Sprintf("%+v", a.Masks), err.Error())
		}
	}
	return p.Err("network arguments")
}
