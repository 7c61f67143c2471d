package policies

import (
	"fmt"
	"slices"
	"strings"

	"github.com/refarch/refarch/offline"
)

// Network rules: the VPCs, their security groups and network ACLs.
// CIS AWS Foundations Benchmark v3.0.0 section 5 and AWS Foundational
// Security Best Practices EC2 controls
// (https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html).

const (
	typeVpc              = "aws:ec2/vpc:Vpc"
	typeAwsxVpc          = "awsx:ec2:Vpc"
	typeDefaultSG        = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
	typeFlowLog          = "aws:ec2/flowLog:FlowLog"
	typeSecurityGroup    = "aws:ec2/securityGroup:SecurityGroup"
	typeIngressRule      = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	typeSGRule           = "aws:ec2/securityGroupRule:SecurityGroupRule"
	typeNetworkACL       = "aws:ec2/networkAcl:NetworkAcl"
	typeNetworkACLRule   = "aws:ec2/networkAclRule:NetworkAclRule"
	typeRoute            = "aws:ec2/route:Route"
	typeVpcEndpoint      = "aws:ec2/vpcEndpoint:VpcEndpoint"
	typeLaunchTemplate   = "aws:ec2/launchTemplate:LaunchTemplate"
	typeInstance         = "aws:ec2/instance:Instance"
	typeMetadataDefaults = "aws:ec2/instanceMetadataDefaults:InstanceMetadataDefaults"
	typeEBSDefault       = "aws:ebs/encryptionByDefault:EncryptionByDefault"
	typeLoadBalancer     = "aws:lb/loadBalancer:LoadBalancer"
	typeAutoScaling      = "aws:autoscaling/group:Group"
	typeVpnServer        = "refarch:vpnserver:VpnServer"
)

const anywhere4, anywhere6 = "0.0.0.0/0", "::/0"

// adminPorts are the remote administration ports CIS 5.2 and EC2.53 name.
var adminPorts = []int{22, 3389}

// highRiskPorts are the ports FSBP EC2.19 must never open to the internet.
// https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-19
var highRiskPorts = []int{20, 21, 22, 23, 25, 110, 135, 143, 445, 1433, 1434, 3000, 3306, 3389, 4333, 5000, 5432, 5500, 5601, 8080, 8088, 8888, 9200, 9300}

// ingress is one inbound permission, however it was declared.
type ingress struct {
	r        *offline.Resource
	group    any // the security group's id (nil for inline rules: r is the group)
	cidrs    []string
	protocol string
	from, to int
}

// covers reports whether the permission opens port.
func (i ingress) covers(port int) bool {
	if i.protocol == "-1" || i.protocol == "all" {
		return true
	}
	return i.from <= port && port <= i.to
}

func (i ingress) from0(cidr string) bool { return slices.Contains(i.cidrs, cidr) }

// ingresses lists every inbound permission of the stack: security group
// ingress rules (aws:vpc and aws:ec2 rule resources) and inline ingress
// blocks.
func ingresses(s *Stack) []ingress {
	var out []ingress
	for _, r := range s.ByType(typeIngressRule) {
		out = append(out, ingress{r: r, group: r.Get("securityGroupId"), cidrs: nonEmpty(r.String("cidrIpv4"), r.String("cidrIpv6")),
			protocol: r.String("ipProtocol"), from: r.Int("fromPort"), to: r.Int("toPort")})
	}
	for _, r := range s.ByType(typeSGRule) {
		if r.String("type") != "ingress" {
			continue
		}
		out = append(out, ingress{r: r, group: r.Get("securityGroupId"), cidrs: append(r.Strings("cidrBlocks"), r.Strings("ipv6CidrBlocks")...),
			protocol: r.String("protocol"), from: r.Int("fromPort"), to: r.Int("toPort")})
	}
	for _, r := range s.ByType(typeSecurityGroup) {
		for i := range r.List("ingress") {
			p := fmt.Sprintf("ingress[%d].", i)
			out = append(out, ingress{r: r, group: r.ID, cidrs: append(r.Strings(p+"cidrBlocks"), r.Strings(p+"ipv6CidrBlocks")...),
				protocol: r.String(p + "protocol"), from: r.Int(p + "fromPort"), to: r.Int(p + "toPort")})
		}
	}
	return out
}

func nonEmpty(values ...string) []string {
	var out []string
	for _, v := range values {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// internetFacingGroups are the security groups designed to take traffic
// from anywhere, with the ports each may open: those of internet-facing
// load balancers (80 and 443, FSBP EC2.18's default authorized ports) and
// those of the VPN server's launch template (OpenVPN's 1194).
func internetFacingGroups(s *Stack) map[string][]int {
	out := map[string][]int{}
	for _, lb := range s.ByType(typeLoadBalancer) {
		if lb.Bool("internal") {
			continue
		}
		for _, g := range lb.Strings("securityGroups") {
			out[g] = []int{80, 443}
		}
	}
	for _, lt := range s.ByType(typeLaunchTemplate) {
		if !s.underType(lt, typeVpnServer) {
			continue
		}
		for i := range lt.List("networkInterfaces") {
			for _, g := range lt.Strings(fmt.Sprintf("networkInterfaces[%d].securityGroups", i)) {
				out[g] = []int{1194}
			}
		}
		for _, g := range lt.Strings("vpcSecurityGroupIds") {
			out[g] = []int{1194}
		}
	}
	return out
}

// underType reports whether r descends from a component of type typ.
func (s *Stack) underType(r *offline.Resource, typ string) bool {
	for p := s.ByURN(r.Parent); p != nil; p = s.ByURN(p.Parent) {
		if p.Type == typ {
			return true
		}
	}
	return false
}

// vpcs are the stack's VPCs: plain ones and awsx's. The offline engine
// sees an awsx VPC as one remote component; a real preview also shows the
// aws:ec2/vpc:Vpc inside it, which the component's record stands for.
func vpcs(s *Stack) []*offline.Resource {
	var out []*offline.Resource
	for _, r := range s.ByType(typeVpc, typeAwsxVpc) {
		if r.Type == typeVpc && s.underType(r, typeAwsxVpc) {
			continue
		}
		out = append(out, r)
	}
	return out
}

// attachedToVpc returns the resources of typ whose vpcId is the VPC's id,
// or which sit beside it in the same component when that id is not known.
func attachedToVpc(s *Stack, vpc *offline.Resource, typ string) []*offline.Resource {
	id := vpc.ID
	if v, ok := vpc.Output("vpcId").(string); ok && v != "" {
		id = v
	}
	var out []*offline.Resource
	for _, o := range s.ByType(typ) {
		v := o.Get("vpcId")
		if (id != "" && v == id) || (!known(v) || id == "") && o.Parent == vpc.Parent {
			out = append(out, o)
		}
	}
	return out
}

var networkRules = []*Rule{
	{
		ID: "vpc-default-security-group-closed", Area: Network, Severity: High,
		Title:    "Every VPC's default security group allows no traffic in or out",
		Controls: []string{"CIS 5.4", "FSBP EC2.2"},
		Reason:   "a resource launched without a security group lands in the default group; closed, it reaches nothing",
		Check: func(c *Checker) {
			for _, vpc := range vpcs(c.Stack) {
				groups := attachedToVpc(c.Stack, vpc, typeDefaultSG)
				if len(groups) == 0 {
					c.Judge(vpc, "no aws:ec2/defaultSecurityGroup adopts and empties the VPC's default security group")
				}
				for _, g := range groups {
					msg := ""
					if len(g.List("ingress")) > 0 || len(g.List("egress")) > 0 {
						msg = "the default security group keeps rules"
					}
					c.Judge(g, msg)
				}
			}
		},
	},
	{
		ID: "vpc-flow-logs", Area: Network, Severity: Medium,
		Title:    "Every VPC logs all its traffic (accepted and rejected) with flow logs",
		Controls: []string{"CIS 3.7", "FSBP EC2.6"},
		Reason:   "flow logs are the record an investigation of network activity starts from",
		Check: func(c *Checker) {
			for _, vpc := range vpcs(c.Stack) {
				logs := attachedToVpc(c.Stack, vpc, typeFlowLog)
				msg := "no flow log"
				for _, l := range logs {
					if t := l.String("trafficType"); t == "ALL" || t == "REJECT" {
						msg = ""
					}
				}
				c.Judge(vpc, msg)
			}
		},
	},
	{
		ID: "sg-no-admin-ports-from-internet-ipv4", Area: Network, Severity: Critical,
		Title:    "No security group admits 0.0.0.0/0 to SSH (22) or RDP (3389)",
		Controls: []string{"CIS 5.2", "FSBP EC2.53"},
		Reason:   "administration goes through the VPN and Session Manager, never an open port",
		Check:    func(c *Checker) { openPorts(c, anywhere4, adminPorts) },
	},
	{
		ID: "sg-no-admin-ports-from-internet-ipv6", Area: Network, Severity: Critical,
		Title:    "No security group admits ::/0 to SSH (22) or RDP (3389)",
		Controls: []string{"CIS 5.3", "FSBP EC2.54"},
		Reason:   "as for IPv4: administration never takes an open port",
		Check:    func(c *Checker) { openPorts(c, anywhere6, adminPorts) },
	},
	{
		ID: "sg-no-high-risk-ports-from-internet", Area: Network, Severity: Critical,
		Title:    "No security group opens a high-risk port (databases, admin consoles, mail, SMB) to the internet",
		Controls: []string{"FSBP EC2.19"},
		Reason:   "data stores and consoles are reached from inside the VPC or through the VPN",
		Check: func(c *Checker) {
			openPorts(c, anywhere4, highRiskPorts)
			openPorts(c, anywhere6, highRiskPorts)
		},
	},
	{
		ID: "sg-internet-ingress-only-where-designed", Area: Network, Severity: High,
		Title:    "Only the internet-facing load balancers (80, 443) and the VPN server (1194) admit traffic from anywhere",
		Controls: []string{"FSBP EC2.18"},
		Reason: "the design's public surface is the public load balancer, the CDN in front of it and the VPN; " +
			"anything else taking 0.0.0.0/0 is a hole",
		Check: func(c *Checker) {
			allowed := internetFacingGroups(c.Stack)
			for _, in := range ingresses(c.Stack) {
				if !in.from0(anywhere4) && !in.from0(anywhere6) {
					c.Judge(in.r, "")
					continue
				}
				group, _ := in.group.(string)
				ports, ok := allowed[group]
				if !known(in.group) {
					ok, ports = true, nil // a group a preview does not know yet: not judged
				}
				msg := ""
				switch {
				case !ok:
					msg = fmt.Sprintf("admits the internet to a security group (%v) that is neither an internet-facing load balancer's nor the VPN server's", in.group)
				case ports != nil && (in.protocol == "-1" || in.from != in.to || !slices.Contains(ports, in.from)):
					msg = fmt.Sprintf("admits the internet to ports %d-%d (%s); this group may open only %v", in.from, in.to, in.protocol, ports)
				}
				c.Judge(in.r, msg)
			}
		},
	},
	{
		ID: "nacl-no-admin-ports-from-internet", Area: Network, Severity: High,
		Title:    "No network ACL admits 0.0.0.0/0 or ::/0 to SSH (22) or RDP (3389)",
		Controls: []string{"CIS 5.1", "FSBP EC2.21"},
		Reason:   "network ACLs are the subnet's second line; they never open administration to the internet",
		Check: func(c *Checker) {
			for _, acl := range c.Stack.ByType(typeNetworkACL) {
				msg := ""
				for i := range acl.List("ingress") {
					p := fmt.Sprintf("ingress[%d].", i)
					in := ingress{cidrs: nonEmpty(acl.String(p+"cidrBlock"), acl.String(p+"ipv6CidrBlock")), protocol: acl.String(p + "protocol"),
						from: acl.Int(p + "fromPort"), to: acl.Int(p + "toPort")}
					if acl.String(p+"action") != "allow" || (!in.from0(anywhere4) && !in.from0(anywhere6)) {
						continue
					}
					for _, port := range adminPorts {
						if in.covers(port) {
							msg = fmt.Sprintf("rule %d admits the internet to port %d", acl.Int(p+"ruleNo"), port)
						}
					}
				}
				c.Judge(acl, msg)
			}
		},
	},
	{
		ID: "vpc-peering-routes-least-access", Area: Network, Severity: Medium,
		Title:    "Routes through a VPC peering connection name the peer's CIDR, never a default route",
		Controls: []string{"CIS 5.5"},
		Reason:   "a peering route to 0.0.0.0/0 would send all traffic to the peer",
		Check: func(c *Checker) {
			for _, r := range c.Stack.ByType(typeRoute) {
				if !set(r.Get("vpcPeeringConnectionId")) {
					continue
				}
				msg := ""
				if d := r.String("destinationCidrBlock"); d == anywhere4 || r.String("destinationIpv6CidrBlock") == anywhere6 {
					msg = "a default route through a peering connection"
				}
				c.Judge(r, msg)
			}
		},
	},
	{
		ID: "vpc-interface-endpoints-private", Area: Network, Severity: Medium,
		Title:    "Interface VPC endpoints resolve privately and are guarded by a security group",
		Controls: []string{"refarch"},
		Reason: "tasks reach ECR, CloudWatch Logs, Secrets Manager and KMS without leaving the VPC, " +
			"only from the groups admitted (https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html)",
		Check: func(c *Checker) {
			for _, e := range c.Stack.ByType(typeVpcEndpoint) {
				if e.String("vpcEndpointType") != "Interface" {
					continue
				}
				msg := ""
				switch {
				case !e.Bool("privateDnsEnabled"):
					msg = "private DNS is off: clients would resolve the public endpoint"
				case !set(e.Get("securityGroupIds")):
					msg = "no security group"
				}
				c.Judge(e, msg)
			}
		},
	},
	{
		ID: "ec2-launch-template-imdsv2", Area: Compute, Severity: High,
		Title:    "Launch templates require IMDSv2 (session tokens) with a hop limit of 1",
		Controls: []string{"FSBP EC2.170", "CIS 5.6"},
		Reason:   "IMDSv2 defeats SSRF-style credential theft from the instance metadata service",
		Check: func(c *Checker) {
			c.Each(func(r *offline.Resource) string {
				switch {
				case r.String("metadataOptions.httpTokens") != "required":
					return "metadataOptions.httpTokens is not required"
				case r.Int("metadataOptions.httpPutResponseHopLimit") > 1:
					return "the metadata hop limit is above 1: containers on the host could reach it"
				}
				return ""
			}, typeLaunchTemplate)
		},
	},
	{
		ID: "ec2-account-imdsv2-default", Area: Compute, Severity: Medium,
		Title:    "The account's instance metadata defaults require IMDSv2",
		Controls: []string{"FSBP EC2.8"},
		Reason:   "instances launched outside this program get IMDSv2 too (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-IMDS-new-instances.html)",
		Check: func(c *Checker) {
			c.Require(typeMetadataDefaults, func(r *offline.Resource) bool { return r.String("httpTokens") == "required" },
				"no aws:ec2/instanceMetadataDefaults requires IMDSv2 in this account")
		},
	},
	{
		ID: "ec2-launch-template-encrypted-volumes", Area: Encryption, Severity: High,
		Title:    "Every volume a launch template attaches is encrypted",
		Controls: []string{"FSBP EC2.3"},
		Reason:   "the instance's disk holds its configuration and, for the VPN, its keys",
		Check: func(c *Checker) {
			c.Each(func(r *offline.Resource) string {
				for i := range r.List("blockDeviceMappings") {
					p := fmt.Sprintf("blockDeviceMappings[%d].ebs.encrypted", i)
					if v := r.Get(p); v != true && v != "true" && known(v) {
						return fmt.Sprintf("%s is not true", p)
					}
				}
				return ""
			}, typeLaunchTemplate)
		},
	},
	{
		ID: "ec2-ebs-encryption-by-default", Area: Encryption, Severity: High,
		Title:    "EBS encryption by default is on in the account",
		Controls: []string{"CIS 2.2.1", "FSBP EC2.7"},
		Reason:   "every new volume is encrypted, whoever creates it",
		Check: func(c *Checker) {
			c.Require(typeEBSDefault, func(r *offline.Resource) bool { return r.Get("enabled") != false },
				"no aws:ebs/encryptionByDefault turns EBS default encryption on in this account")
		},
	},
	{
		ID: "ec2-public-ip-only-vpn", Area: Network, Severity: High,
		Title:        "Only the VPN server's launch template assigns a public IP; no other instance is public",
		Controls:     []string{"FSBP EC2.25", "FSBP EC2.9"},
		Reason:       "the VPN server is the design's only public host",
		Environments: "the VPN server (shared-services) is the one designed exception to EC2.25 and EC2.9",
		Check: func(c *Checker) {
			for _, r := range c.Stack.ByType(typeLaunchTemplate, typeInstance) {
				public := r.Get("associatePublicIpAddress") == true
				for i := range r.List("networkInterfaces") {
					if v := r.Get(fmt.Sprintf("networkInterfaces[%d].associatePublicIpAddress", i)); v == true || v == "true" {
						public = true
					}
				}
				msg := ""
				if public && !c.Stack.underType(r, typeVpnServer) {
					msg = "assigns a public IP, and it is not the VPN server"
				}
				c.Judge(r, msg)
			}
		},
	},
	{
		ID: "autoscaling-launch-template-multi-az", Area: Compute, Severity: Medium,
		Title:    "Auto Scaling groups launch from a launch template into subnets of several zones",
		Controls: []string{"FSBP AutoScaling.9", "FSBP AutoScaling.2"},
		Reason:   "a launch template carries IMDSv2 and encryption; two zones let the group replace an instance when a zone fails",
		Check: func(c *Checker) {
			c.Each(func(r *offline.Resource) string {
				switch {
				case !set(r.Get("launchTemplate")) && !set(r.Get("mixedInstancesPolicy")):
					return "no launch template"
				case len(r.List("vpcZoneIdentifiers")) < 2:
					return "fewer than two subnets"
				}
				return ""
			}, typeAutoScaling)
		},
	},
}

// openPorts fails every inbound permission from cidr covering one of ports.
func openPorts(c *Checker, cidr string, ports []int) {
	for _, in := range ingresses(c.Stack) {
		msg := ""
		if in.from0(cidr) {
			var open []string
			for _, p := range ports {
				if in.covers(p) {
					open = append(open, fmt.Sprint(p))
				}
			}
			if len(open) > 0 {
				msg = fmt.Sprintf("admits %s to port(s) %s", cidr, strings.Join(open, ", "))
			}
		}
		c.Judge(in.r, msg)
	}
}
