package vpnserver

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/keypolicy"
	"github.com/refarch/refarch/components/validate"
)

// DefaultPort is OpenVPN's registered port (UDP).
// Source: https://openvpn.net/community-resources/reference-manual-for-openvpn-2-6/
const DefaultPort = 1194

// DefaultInstanceType is small and Graviton: OpenVPN's data channel for a
// team of operators needs little CPU, and arm64 costs less.
const DefaultInstanceType = "t4g.small"

// InstanceFamilies are the instance families the server supports, with the
// architecture of their Amazon Linux 2023 image: burstable and general
// purpose families of the current generations, Graviton and x86.
var InstanceFamilies = map[string]string{
	"t4g": "arm64", "m7g": "arm64", "c7g": "arm64", "m6g": "arm64", "c6g": "arm64",
	"t3": "x86_64", "t3a": "x86_64", "m7i": "x86_64", "c7i": "x86_64", "m6i": "x86_64", "c6i": "x86_64",
}

// AMIParameter is the public SSM parameter naming the current Amazon Linux
// 2023 image of an architecture; the launch template resolves it at every
// launch ("resolve:ssm:"), so a replaced instance boots the current image.
// Sources: https://docs.aws.amazon.com/linux/al2023/ug/ec2.html,
// https://docs.aws.amazon.com/autoscaling/ec2/userguide/using-systems-manager-parameters.html
func AMIParameter(arch string) string {
	return "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-" + arch
}

// The bucket prefixes the instance role may use.
const (
	PKIPrefix      = "pki/"
	ProfilesPrefix = "profiles/"
)

// ProfileVersionDays is how long a replaced or deleted profile's old
// versions (which hold its private key) stay in the versioned bucket.
const ProfileVersionDays = 7

// VpnServerArgs configures a VpnServer. Zero values mean the default.
type VpnServerArgs struct {
	// VpcID is the management VPC. Required.
	VpcID pulumi.StringInput
	// VpcCIDR is its block: clients' traffic is translated to the server's
	// address in it, and its resolver (base + 2) is the clients' DNS.
	// Required.
	VpcCIDR string
	// SubnetIDs are public subnets of the VPC in at least two zones: the
	// Auto Scaling group replaces a failed instance in any of them.
	// Required (at least 2).
	SubnetIDs pulumi.StringArrayInput
	// SubnetCount is len(SubnetIDs), known before deployment for the
	// two-zone rule. Required.
	SubnetCount int
	// AllowedCIDRs may reach UDP Port. Default ["0.0.0.0/0"]: operators
	// travel; the tls-crypt key drops every packet not signed with it
	// before any TLS processing, so an open port shows nothing.
	AllowedCIDRs []string
	// Port is OpenVPN's UDP port. Default DefaultPort.
	Port int
	// ClientCIDR is the pool clients get addresses from. Required; the
	// caller checks it overlaps no VPC; a /16 to /28.
	ClientCIDR string
	// Routes are the blocks pushed to clients: the management VPC and the
	// application VPCs peered with it. Required (at least VpcCIDR).
	Routes []string
	// SearchDomains are pushed as DNS search domains (the private zones).
	// Default none.
	SearchDomains []string
	// ZoneID is the public zone of RecordName. Required.
	ZoneID pulumi.StringInput
	// RecordName is the server's DNS name (vpn.<domain>), the `remote` of
	// every profile. Required.
	RecordName string
	// InstanceType is the instance's type, of a family in
	// InstanceFamilies. Default DefaultInstanceType.
	InstanceType string
	// InstancePolicyARNs are managed policies added to the instance role
	// (the baseline's InstancePolicyARN: session and patch logs). Default
	// none.
	InstancePolicyARNs []pulumi.StringInput
	// PatchGroup is the value of the "Patch Group" tag the baseline's
	// patching targets. Default none (no tag).
	PatchGroup string
	// BucketName names the PKI and profiles bucket, when policies elsewhere
	// must name it before it exists. Default generated from the component
	// name. S3's naming rules, no dots (validate.CheckBucketName).
	BucketName string
	// KeyAdministrators administer the PKI key. Required.
	KeyAdministrators []string
	// LogRetentionDays keeps the server's logs. Default 365. A CloudWatch
	// Logs value.
	LogRetentionDays int
	// Protect protects and retains the log group and key. The PKI bucket
	// and its key are protected whatever this says: losing them invalidates
	// every profile. Default false.
	Protect bool
}

func (a VpnServerArgs) withDefaults() VpnServerArgs {
	if a.AllowedCIDRs == nil {
		a.AllowedCIDRs = []string{"0.0.0.0/0"}
	}
	a.AllowedCIDRs = slices.Clone(a.AllowedCIDRs)
	a.Routes = slices.Clone(a.Routes)
	a.SearchDomains = slices.Clone(a.SearchDomains)
	a.KeyAdministrators = slices.Clone(a.KeyAdministrators)
	a.InstancePolicyARNs = slices.Clone(a.InstancePolicyARNs)
	if a.Port == 0 {
		a.Port = DefaultPort
	}
	if a.InstanceType == "" {
		a.InstanceType = DefaultInstanceType
	}
	if a.LogRetentionDays == 0 {
		a.LogRetentionDays = 365
	}
	return a
}

// Validate reports every problem of the arguments (defaults applied) at
// once.
func (a *VpnServerArgs) Validate() error { return a.withDefaults().validate() }

func (a VpnServerArgs) validate() error {
	var p validate.Problems
	if a.VpcID == nil {
		p.Add("Args.VpcID", "", "is required")
	}
	if _, rule := validate.ParseCIDR(a.VpcCIDR); rule != "" {
		p.Add("Args.VpcCIDR", a.VpcCIDR, rule)
	}
	if a.SubnetIDs == nil || a.SubnetCount < 2 {
		p.Add("Args.SubnetIDs", fmt.Sprint(a.SubnetCount), "must list public subnets in at least two zones: a failed zone must not take the only way in down")
	}
	for i, c := range a.AllowedCIDRs {
		if _, rule := validate.ParseCIDR(c); rule != "" {
			p.Add(fmt.Sprintf("Args.AllowedCIDRs[%d]", i), c, rule)
		}
	}
	if len(a.AllowedCIDRs) == 0 {
		p.Add("Args.AllowedCIDRs", "[]", "must list at least one block (0.0.0.0/0 for anywhere)")
	}
	p.Check("Args.Port", fmt.Sprint(a.Port), validate.CheckRange(a.Port, 1, 65535))
	client, rule := validate.ParseCIDR(a.ClientCIDR)
	switch {
	case rule != "":
		p.Add("Args.ClientCIDR", a.ClientCIDR, rule)
	case client.Bits() < 16 || client.Bits() > 28:
		p.Add("Args.ClientCIDR", a.ClientCIDR, "must be a /16 to /28")
	}
	if len(a.Routes) == 0 {
		p.Add("Args.Routes", "[]", "must list at least the management VPC")
	}
	for i, r := range a.Routes {
		prefix, rule := validate.ParseCIDR(r)
		if rule != "" {
			p.Add(fmt.Sprintf("Args.Routes[%d]", i), r, rule)
		} else if client.IsValid() && prefix.Overlaps(client) {
			p.Addf(fmt.Sprintf("Args.Routes[%d]", i), r, "overlaps Args.ClientCIDR %s: clients could not reach it", client)
		}
	}
	for i, d := range a.SearchDomains {
		p.Check(fmt.Sprintf("Args.SearchDomains[%d]", i), d, validate.CheckDomainName(d))
	}
	if a.ZoneID == nil {
		p.Add("Args.ZoneID", "", "is required: the server's name lives there")
	}
	p.Check("Args.RecordName", a.RecordName, validate.CheckDomainName(a.RecordName))
	p.Check("Args.InstanceType", a.InstanceType, CheckInstanceType(a.InstanceType))
	for i, arn := range a.InstancePolicyARNs {
		if arn == nil {
			p.Add(fmt.Sprintf("Args.InstancePolicyARNs[%d]", i), "", "must not be nil")
		}
	}
	p.Check("Args.PatchGroup", a.PatchGroup, validate.CheckMaxLength(a.PatchGroup, 256, "a tag value"))
	if a.BucketName != "" {
		p.Check("Args.BucketName", a.BucketName, validate.CheckBucketName(a.BucketName))
	}
	keypolicy.CheckAdministrators(&p, "Args.KeyAdministrators", a.KeyAdministrators)
	p.Check("Args.LogRetentionDays", fmt.Sprint(a.LogRetentionDays), validate.CheckLogRetention(a.LogRetentionDays))
	if len(p) == 0 {
		if size := a.longestUserData(); size > MaxUserDataBytes {
			p.Addf("Args.Routes", fmt.Sprint(len(a.Routes)), "with Args.SearchDomains, makes the boot script %d bytes: EC2 limits user data to %d bytes before base64 encoding "+
				"(https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-add-user-data.html)", size, MaxUserDataBytes)
		}
	}
	return p.Err("VPN server arguments")
}

// MaxUserDataBytes is EC2's limit on user data, in raw form, before
// base64 encoding. Source: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-add-user-data.html
const MaxUserDataBytes = 16 * 1024

// longestUserData is the size of the boot script rendered with the longest
// values the outputs it embeds can take (0 when it does not render: the
// arguments' own problems say why).
func (a VpnServerArgs) longestUserData() int {
	script, err := RenderBootScript(a.bootConfig(
		"ap-southeast-7",
		"eipalloc-"+strings.Repeat("f", 17),
		strings.Repeat("b", 63),
		"arn:aws-us-gov:kms:ap-southeast-7:123456789012:key/mrk-"+strings.Repeat("0", 32),
		"/refarch/vpn/"+strings.Repeat("n", MaxNameLength),
	))
	if err != nil {
		return 0
	}
	return len(script)
}

// CheckInstanceType returns the rule an instance type breaks, or "".
func CheckInstanceType(t string) string {
	family, size, ok := strings.Cut(t, ".")
	if _, known := InstanceFamilies[family]; !ok || !known || size == "" {
		families := slices.Sorted(maps.Keys(InstanceFamilies))
		return fmt.Sprintf("must be <family>.<size> with a family among %v", families)
	}
	return ""
}

// Architecture is the AMI architecture of an instance type (valid per
// CheckInstanceType).
func Architecture(instanceType string) string {
	family, _, _ := strings.Cut(instanceType, ".")
	return InstanceFamilies[family]
}

// resolverAddress is the VPC's DNS resolver: its base address plus two.
// Source: https://docs.aws.amazon.com/vpc/latest/userguide/AmazonDNS-concepts.html
func resolverAddress(vpc netip.Prefix) string {
	a := vpc.Masked().Addr()
	return a.Next().Next().String()
}
