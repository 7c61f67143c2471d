package policies

import (
	"encoding/base64"
	"fmt"
	"net/netip"
	"regexp"
	"strings"

	"github.com/refarch/refarch/offline"
)

// AWS rules of the network: VPC peering across accounts, the security
// group references and routes it carries, interface endpoints, flow logs,
// and the VPN server's launch (its Auto Scaling group, its encrypted root
// volume, its user data).

const (
	netTypeServiceLinkedRole = "aws:iam/serviceLinkedRole:ServiceLinkedRole"
	netTypePeering           = "aws:ec2/vpcPeeringConnection:VpcPeeringConnection"
	netTypeAccepter          = "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter"
	netTypeEgressRule        = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
	netTypeZoneAssociation   = "aws:route53/zoneAssociation:ZoneAssociation"
	netTypeZoneAuthorization = "aws:route53/vpcAssociationAuthorization:VpcAssociationAuthorization"
	netTypeZone              = "aws:route53/zone:Zone"
)

// netAutoScalingService is EC2 Auto Scaling's service principal; its
// service-linked roles live under role/aws-service-role/<it>/.
const netAutoScalingService = "autoscaling.amazonaws.com"

// netServiceRolePath marks the ARN of a service-linked role.
const netServiceRolePath = ":role/aws-service-role/"

// netGroupRef is a security group referenced across accounts,
// "<account>/<group id>".
var netGroupRef = regexp.MustCompile(`^(\d{12})/(sg-[0-9a-z]+)$`)

// netDeployment is the deployment the stack belongs to (itself alone when
// no deployment links it).
func netDeployment(s *Stack) []*Stack {
	if ps := s.Peers(); len(ps) > 0 {
		return ps
	}
	return []*Stack{s}
}

// netAccountOf is the account the provider of r (or, for a component such
// as awsx's VPC, of its "aws" provider) acts in.
func netAccountOf(s *Stack, r *offline.Resource) string {
	if r.Provider == "" && r.Providers["aws"] != "" {
		return s.providerAccount(&offline.Resource{Provider: r.Providers["aws"]})
	}
	return s.providerAccount(r)
}

// netRegionOf is the region of r's provider, like netAccountOf.
func netRegionOf(s *Stack, r *offline.Resource) string {
	if r.Provider == "" && r.Providers["aws"] != "" {
		return s.providerRegion(&offline.Resource{Provider: r.Providers["aws"]})
	}
	return s.providerRegion(r)
}

// netVpcID is a VPC record's id: awsx's vpcId output, or the record's id.
func netVpcID(v *offline.Resource) string {
	if id := str(v.Output("vpcId")); id != "" {
		return id
	}
	if v.Type == typeVpc {
		return v.ID
	}
	return ""
}

// netVpcIn returns the VPC of account in the deployment: the one whose id
// is id when a VPC says so, else the account's only VPC (each refarch
// account has one); nil when the deployment does not hold it.
func netVpcIn(deployment []*Stack, account, id string) *offline.Resource {
	var candidates []*offline.Resource
	for _, s := range deployment {
		for _, v := range vpcs(s) {
			if account != "" && netAccountOf(s, v) != account {
				continue
			}
			if id != "" && netVpcID(v) == id {
				return v
			}
			candidates = append(candidates, v)
		}
	}
	if len(candidates) == 1 {
		return candidates[0]
	}
	return nil
}

// netAWSPrincipals are the ARNs a statement names as AWS principals.
func netAWSPrincipals(st statement) []string {
	if p, ok := st["Principal"].(map[string]any); ok {
		return list(p["AWS"])
	}
	return nil
}

// netLaunchTemplate returns the launch template an Auto Scaling group
// launches: by id, or beside the group (same name and parent) when the id
// is not known yet.
func netLaunchTemplate(s *Stack, g *offline.Resource) *offline.Resource {
	id := g.Get("launchTemplate.id")
	for _, lt := range s.ByType(typeLaunchTemplate) {
		if known(id) && (id == lt.ID || id == lt.Output("id")) {
			return lt
		}
		if !known(id) && lt.Name == g.Name && lt.Parent == g.Parent {
			return lt
		}
	}
	return nil
}

// netDefaultScalingRole is the ARN of the service-linked role Auto Scaling
// creates, and a group without serviceLinkedRoleArn uses.
func netDefaultScalingRole(partition, account string) string {
	return fmt.Sprintf("arn:%s:iam::%s:role/aws-service-role/%s/AWSServiceRoleForAutoScaling", partition, account, netAutoScalingService)
}

// netARNPart returns field i of an ARN ("arn:partition:service:region:account:...").
func netARNPart(arn string, i int) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		return ""
	}
	return parts[i]
}

// netServiceLinkedRoleARN is the ARN of a service-linked role record: its
// output, or, when the preview does not give it, the ARN its inputs
// determine for the name patterns AWS documents (the service's default
// name, plus "_<suffix>").
func netServiceLinkedRoleMatches(role *offline.Resource, arn string) bool {
	if out := str(role.Output("arn")); out != "" {
		return out == arn
	}
	service := role.String("awsServiceName")
	if service == "" || !strings.Contains(arn, netServiceRolePath+service+"/") {
		return false
	}
	name := arn[strings.LastIndex(arn, "/")+1:]
	if suffix := role.String("customSuffix"); suffix != "" {
		return strings.HasSuffix(name, "_"+suffix)
	}
	return !strings.Contains(name, "_")
}

// netCrossAccountRef reports whether a security group rule references a
// group of another account ("<account>/<group id>").
func netCrossAccountRef(s *Stack, r *offline.Resource) bool {
	account, _, ok := strings.Cut(r.String("referencedSecurityGroupId"), "/")
	return ok && account != s.providerAccount(r)
}

// netSameConnection reports whether two records name the same peering
// connection, or a preview does not know one of them yet.
func netSameConnection(a, b any) bool {
	return !known(a) || !known(b) || a == b
}

// netRoleWritesLogs reports whether a role's policies let it create log
// streams and put log events, or cannot be read (managed policies, values
// a preview does not know yet), which no rule judges.
func netRoleWritesLogs(s *Stack, role *offline.Resource) bool {
	attached := func(r *offline.Resource) bool {
		target := r.Get("role")
		return refersTo(target, role) || (known(target) && target == role.Get("name")) || (!known(target) && r.Parent == role.Parent)
	}
	for _, a := range s.ByType(typeRoleAttachment) {
		if attached(a) {
			return true // a managed policy: not readable here
		}
	}
	var docs [][]statement
	for _, rp := range s.ByType(typeRolePolicy) {
		if !attached(rp) {
			continue
		}
		sts, ok := statements(rp, "policy")
		if !ok {
			return true
		}
		docs = append(docs, sts)
	}
	for i := range role.List("inlinePolicies") {
		if sts, ok := statements(role, fmt.Sprintf("inlinePolicies[%d].policy", i)); ok {
			docs = append(docs, sts)
		}
	}
	for _, sts := range docs {
		for _, st := range sts {
			if st.effect() == "Allow" && st.grantsAction("logs:CreateLogStream") && st.grantsAction("logs:PutLogEvents") {
				return true
			}
		}
	}
	return false
}

// awsNetworkRules are the AWS rules of this group of services.
func awsNetworkRules() []*Rule {
	return []*Rule{
		awsRule(&Rule{
			ID:       "asg-ebs-key-admits-autoscaling-service-linked-role",
			Title:    "A customer managed key encrypting the volumes an Auto Scaling group launches lets the group's service-linked role use it and create grants",
			Severity: Critical,
			Reason: "every launch fails (Client.InternalError: Client error on launch): the group never reaches its capacity, " +
				"and the first pulumi up fails on it after waiting 10 minutes",
			Check: func(c *Checker) {
				for _, g := range c.Stack.ByType(typeAutoScaling) {
					lt := netLaunchTemplate(c.Stack, g)
					role := g.Get("serviceLinkedRoleArn")
					if lt == nil || (role != nil && !known(role)) {
						c.Judge(g, "")
						continue
					}
					msg := ""
					for i := range lt.List("blockDeviceMappings") {
						keyARN := lt.String(fmt.Sprintf("blockDeviceMappings[%d].ebs.kmsKeyId", i))
						key := c.Stack.keyByARN(keyARN)
						if key == nil {
							continue // an AWS managed key, or one this stack does not hold
						}
						sts, ok := statements(key, "policy")
						if !ok {
							continue
						}
						slr := str(role)
						if slr == "" {
							slr = netDefaultScalingRole(netARNPart(keyARN, 1), netARNPart(keyARN, 4))
						}
						switch {
						case !allows(sts, slr, "kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"):
							msg = fmt.Sprintf("the policy of key %s (blockDeviceMappings[%d]) does not let the group's service-linked role %s use it", key.Name, i, slr)
						case !allows(sts, slr, "kms:CreateGrant"):
							msg = fmt.Sprintf("the policy of key %s (blockDeviceMappings[%d]) does not let the group's service-linked role %s create grants", key.Name, i, slr)
						}
					}
					c.Judge(g, msg)
				}
			},
		}, Constraint{
			Dimension: DimPolicy,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html",
			Quote: "Amazon EC2 Auto Scaling service-linked roles are predefined and include permissions that Amazon EC2 Auto Scaling requires to call other AWS services on your behalf. " +
				"The predefined permissions also include access to your AWS managed keys. However, they do not include access to your customer managed keys, allowing you to maintain full control over these keys.",
			Error: "Client.InternalError",
			Found: "shared-services launched the VPN server's root volume with the baseline's data key, whose policy names no Auto Scaling service-linked role (components/vpnserver)",
		}),
		awsRule(&Rule{
			ID:       "kms-key-policy-service-linked-role-created-first",
			Title:    "A key policy naming a service-linked role is created after the role",
			Severity: Critical,
			Reason:   "KMS refuses a key policy naming a principal that does not exist yet; the first pulumi up fails on the key",
			Check: func(c *Checker) {
				for _, k := range c.Stack.ByType(typeKey) {
					sts, ok := statements(k, "policy")
					if !ok {
						continue
					}
					var named []string
					for _, st := range sts {
						for _, p := range netAWSPrincipals(st) {
							if strings.Contains(p, netServiceRolePath) {
								named = append(named, p)
							}
						}
					}
					if len(named) == 0 {
						continue
					}
					msg := ""
					for _, arn := range named {
						var role *offline.Resource
						for _, r := range c.Stack.ByType(netTypeServiceLinkedRole) {
							if netServiceLinkedRoleMatches(r, arn) {
								role = r
							}
						}
						switch {
						case role == nil:
							msg = fmt.Sprintf("names the service-linked role %s, which the stack does not create: it may not exist when the key is", arn)
						case !c.Stack.DependsOn(k, role):
							msg = fmt.Sprintf("is not ordered after the service-linked role %s it names", arn)
						}
					}
					c.Judge(k, msg)
				}
			},
		}, Constraint{
			Dimension: DimOrder,
			Kind:      OrderOrState,
			URL:       "https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/kms/aws.sdk.kotlin.services.kms.model/-create-key-request/policy.html",
			Quote: "The principals in the key policy must exist and be visible to KMS. When you create a new Amazon Web Services principal, " +
				"you might need to enforce a delay before including the new principal in a key policy because the new principal might not be immediately visible to KMS.",
			Error: "MalformedPolicyDocumentException",
		}),
		awsRule(&Rule{
			ID:       "sg-cross-account-reference-after-peering-accepted",
			Title:    "A security group rule referencing a group of another account is created after the peering with that account is accepted",
			Severity: Critical,
			Reason:   "EC2 resolves a group of a peer VPC only through an active peering: the rule is refused and the first pulumi up of the stack fails",
			Check: func(c *Checker) {
				cross := func(r *offline.Resource) bool { return netCrossAccountRef(c.Stack, r) }
				sameAccount := func(r, p *offline.Resource) bool { return c.Stack.providerAccount(r) == c.Stack.providerAccount(p) }
				for _, typ := range []string{typeIngressRule, netTypeEgressRule} {
					requireDependency(c, typ, cross, netTypeAccepter, sameAccount,
						"the peering connection must be active before a rule references a group of the peer VPC")
				}
			},
		}, Constraint{
			Dimension: DimOrder,
			Kind:      OrderOrState,
			URL:       "https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-security-groups.html",
			Quote:     "To reference a security group in a peer VPC, the VPC peering connection must be in the active state.",
			Error:     "InvalidGroup.NotFound",
			Found: "dev, stage and prod admitted the VPN server's group (\"<shared-services>/<sg>\") on the internal load balancer and Postgres " +
				"in parallel with the peering (stacks/networkpart)",
		}),
		awsRule(&Rule{
			ID:       "sg-cross-account-reference-format-same-region",
			Title:    "A security group of another account is referenced as <account>/<group id>, in the same region",
			Severity: High,
			Reason:   "EC2 cannot resolve a group of another account without its account, nor a group of another region at all: the rule is refused",
			Check: func(c *Checker) {
				for _, r := range c.Stack.ByType(typeIngressRule, netTypeEgressRule) {
					ref, isString := r.Get("referencedSecurityGroupId").(string)
					if !isString || !strings.Contains(ref, "/") {
						continue
					}
					m := netGroupRef.FindStringSubmatch(ref)
					if m == nil {
						c.Judge(r, fmt.Sprintf("referencedSecurityGroupId %q is not <12-digit account>/sg-<id>", ref))
						continue
					}
					region := c.Stack.providerRegion(r)
					msg := ""
					for _, s := range netDeployment(c.Stack) {
						if s == c.Stack {
							continue
						}
						for _, g := range s.ByType(typeSecurityGroup) {
							if netAccountOf(s, g) != m[1] {
								continue
							}
							if peer := netRegionOf(s, g); region != "" && peer != "" && peer != region {
								msg = fmt.Sprintf("references a group of account %s, whose stack %s is in %s, not %s: use the peer VPC's CIDR block across regions", m[1], s.Name, peer, region)
							}
							break
						}
					}
					c.Judge(r, msg)
				}
			},
		}, Constraint{
			Dimension: DimArguments,
			Kind:      CrossStack,
			URL:       "https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-security-groups.html",
			Quote: "To reference a security group that is in another AWS account but the same Region, include the account number with the ID of the security group. " +
				"For example, 123456789012/sg-1a2b3c4d.",
			Error: "InvalidGroup.NotFound",
		}),
		awsRule(&Rule{
			ID:       "vpc-peering-cidrs-disjoint",
			Title:    "Peered VPCs have disjoint CIDR blocks",
			Severity: Critical,
			Reason:   "the connection fails instead of becoming active: nothing crosses it, and the accepter waits for it in vain",
			Check: func(c *Checker) {
				deployment := netDeployment(c.Stack)
				for _, conn := range c.Stack.ByType(netTypePeering) {
					requester := netVpcIn(deployment, c.Stack.providerAccount(conn), conn.String("vpcId"))
					accepterAccount := conn.String("peerOwnerId")
					if accepterAccount == "" {
						accepterAccount = c.Stack.providerAccount(conn)
					}
					accepter := netVpcIn(deployment, accepterAccount, conn.String("peerVpcId"))
					if requester == nil || accepter == nil || requester == accepter {
						c.Judge(conn, "")
						continue
					}
					a, errA := netip.ParsePrefix(requester.String("cidrBlock"))
					b, errB := netip.ParsePrefix(accepter.String("cidrBlock"))
					if errA != nil || errB != nil {
						c.Judge(conn, "")
						continue
					}
					c.Judge(conn, unless(!a.Overlaps(b), fmt.Sprintf("the requester's block %s overlaps the accepter's %s", a, b)))
				}
			},
		}, Constraint{
			Dimension: DimArguments,
			Kind:      CrossStack,
			URL:       "https://docs.aws.amazon.com/AmazonVPC/latest/PeeringGuide/invalid-peering-configurations.html",
			Quote:     "The accepter VPC can be owned by you, or another AWS account, and cannot have a CIDR block that overlaps with the CIDR block of the requester VPC.",
		}),
		awsRule(&Rule{
			ID:       "vpc-peering-accepted-by-peer-owner",
			Title:    "A cross-account peering connection is requested without auto-accept and accepted in the accepter VPC's account",
			Severity: Critical,
			Reason:   "only the owner of the peer VPC can accept: otherwise the connection stays pending and carries nothing",
			Check: func(c *Checker) {
				for _, conn := range c.Stack.ByType(netTypePeering) {
					owner := conn.String("peerOwnerId")
					if owner == "" || owner == c.Stack.providerAccount(conn) {
						c.Judge(conn, "")
						continue
					}
					if conn.Bool("autoAccept") {
						c.Judge(conn, "autoAccept is true: the requester's account cannot accept a connection to another account's VPC")
						continue
					}
					accepted := false
					for _, a := range c.Stack.ByType(netTypeAccepter) {
						id := a.Get("vpcPeeringConnectionId")
						// A preview's records may carry no id of the
						// connection: its accepter shares its logical
						// name and parent (components/network).
						refers := refersTo(id, conn) || (a.Name == conn.Name && a.Parent == conn.Parent)
						if refers && c.Stack.providerAccount(a) == owner {
							accepted = true
						}
					}
					c.Judge(conn, unless(accepted, fmt.Sprintf("no vpcPeeringConnectionAccepter of account %s (the peer VPC's owner) accepts it", owner)))
				}
			},
		}, Constraint{
			Dimension: DimOrder,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/AWSJavaScriptSDK/v3/latest/client/ec2/command/AcceptVpcPeeringConnectionCommand",
			Quote:     "Accept a VPC peering connection request. To accept a request, the VPC peering connection must be in the pending-acceptance state, and you must be the owner of the peer VPC.",
		}),
		awsRule(&Rule{
			ID:       "vpc-peering-routes-after-accepter",
			Title:    "Routes through a peering connection are created after the connection is accepted",
			Severity: High,
			Reason:   "AWS accepts the route while the connection is pending, as a blackhole that carries nothing, and nothing replaces it",
			Check: func(c *Checker) {
				requireDependency(c, typeRoute, func(r *offline.Resource) bool { return set(r.Get("vpcPeeringConnectionId")) },
					netTypeAccepter, func(r, a *offline.Resource) bool {
						return netSameConnection(r.Get("vpcPeeringConnectionId"), a.Get("vpcPeeringConnectionId"))
					}, "a route through a connection pending acceptance is a blackhole")
			},
		}, Constraint{
			Dimension: DimOrder,
			Kind:      OrderOrState,
			URL:       "https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-routing.html",
			Quote: "You can add a route for a VPC peering connection that's in the pending-acceptance state. " +
				"However, the route will have a state of blackhole and have no effect until the VPC peering connection is in the active state.",
		}),
		awsRule(&Rule{
			ID:       "interface-endpoint-private-dns-needs-vpc-dns-attributes",
			Title:    "Interface endpoints with private DNS are in VPCs with DNS support and DNS hostnames on",
			Severity: High,
			Reason:   "EC2 refuses the endpoint's private DNS in a VPC without both attributes: services would resolve the public endpoints, which a VPC without NAT cannot reach",
			Check: func(c *Checker) {
				for _, v := range vpcs(c.Stack) {
					attrs := vpcAttributes(c.Stack, v)
					support := attrs.Get("enableDnsSupport")
					ok := attrs.Bool("enableDnsHostnames") && (support == nil || support == true)
					for _, e := range attachedToVpc(c.Stack, v, typeVpcEndpoint) {
						if e.String("vpcEndpointType") != "Interface" || !e.Bool("privateDnsEnabled") {
							continue
						}
						c.Judge(e, unless(ok, fmt.Sprintf("VPC %s does not set both enableDnsSupport and enableDnsHostnames to true", v.Name)))
					}
				}
			},
		}, Constraint{
			Dimension: DimPrerequisite,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/ec2/aws.sdk.kotlin.services.ec2.model/-create-vpc-endpoint-request/private-dns-enabled.html",
			Quote:     "To use a private hosted zone, you must set the following VPC attributes to true: enableDnsHostnames and enableDnsSupport. Use ModifyVpcAttribute to set the VPC attributes.",
			Error:     "InvalidParameter",
		}),
		awsRule(&Rule{
			ID:       "launch-user-data-16kb",
			Title:    "Launch templates' and instances' user data stay within 16 KB before base64 encoding",
			Severity: Critical,
			Reason:   "EC2 refuses the launch template (or instance): the host never boots",
			Check: func(c *Checker) {
				const limit = 16 * 1024
				for _, r := range c.Stack.ByType(typeLaunchTemplate, typeInstance) {
					data, isString := r.Get("userData").(string)
					encoded := r.Type == typeLaunchTemplate
					if !isString && r.Type == typeInstance {
						data, isString = r.Get("userDataBase64").(string)
						encoded = true
					}
					if !isString || data == "" {
						continue
					}
					raw := []byte(data)
					if encoded {
						decoded, err := base64.StdEncoding.DecodeString(data)
						if err != nil {
							c.Judge(r, "userData is not base64-encoded text")
							continue
						}
						raw = decoded
					}
					c.Judge(r, unless(len(raw) <= limit, fmt.Sprintf("user data is %d bytes before encoding, over 16 KB (%d)", len(raw), limit)))
				}
			},
		}, Constraint{
			Dimension: DimArguments,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-add-user-data.html",
			Quote:     "User data is limited to 16 KB, in raw form, before it is base64-encoded. The size of a string of length n after base64-encoding is ceil(n/3)*4.",
			Error:     "InvalidParameterValue",
		}),
		awsRule(&Rule{
			ID:       "flow-log-role-delivers-to-cloudwatch-logs",
			Title:    "A flow log to CloudWatch Logs uses a role that VPC Flow Logs may assume and that may write log streams and events",
			Severity: High,
			Reason:   "the flow log is created but never delivers (DeliverLogsStatus FAILED): no network record for investigations",
			Check: func(c *Checker) {
				for _, fl := range c.Stack.ByType(typeFlowLog) {
					if t := fl.String("logDestinationType"); t != "" && t != "cloud-watch-logs" {
						continue
					}
					arn := fl.Get("iamRoleArn")
					var role *offline.Resource
					for _, r := range c.Stack.ByType(typeRole) {
						if refersTo(arn, r) || (known(arn) && r.String("name") != "" && strings.HasSuffix(str(arn), "/"+r.String("name"))) {
							role = r
						}
					}
					if !known(arn) || role == nil {
						c.Judge(fl, unless(set(arn), "no iamRoleArn: VPC Flow Logs cannot write to CloudWatch Logs"))
						continue
					}
					trust, ok := statements(role, "assumeRolePolicy")
					if ok {
						if _, trusts := serviceStatement(trust, "vpc-flow-logs.amazonaws.com", "sts:AssumeRole"); !trusts {
							c.Judge(fl, fmt.Sprintf("role %s does not trust vpc-flow-logs.amazonaws.com", role.Name))
							continue
						}
					}
					c.Judge(fl, unless(netRoleWritesLogs(c.Stack, role), fmt.Sprintf("role %s may not create log streams and put log events", role.Name)))
				}
			},
		}, Constraint{
			Dimension: DimPolicy,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-cwl.html",
			Quote:     "The IAM role that's associated with your flow log must have sufficient permissions to publish flow logs to the specified log group in CloudWatch Logs. The IAM role must belong to your AWS account.",
		}),
		awsRule(&Rule{
			ID:       "route53-cross-account-zone-association-after-authorization",
			Title:    "A VPC of another account is associated with a private hosted zone after the zone's account authorized it",
			Severity: Critical,
			Reason:   "Route 53 refuses the association: the VPC's account may not associate a zone it does not own without the authorization",
			Check: func(c *Checker) {
				zoneAccount := func(a *offline.Resource) string {
					for _, z := range c.Stack.ByType(netTypeZone) {
						if id := a.Get("zoneId"); refersTo(id, z) || id == z.Output("zoneId") {
							return c.Stack.providerAccount(z)
						}
					}
					return ""
				}
				cross := func(a *offline.Resource) bool {
					owner := zoneAccount(a)
					return owner != "" && owner != c.Stack.providerAccount(a)
				}
				requireDependency(c, netTypeZoneAssociation, cross, netTypeZoneAuthorization, func(a, auth *offline.Resource) bool {
					return netSameConnection(a.Get("zoneId"), auth.Get("zoneId")) && netSameConnection(a.Get("vpcId"), auth.Get("vpcId"))
				}, "the zone's account must authorize the association first")
			},
		}, Constraint{
			Dimension: DimOrder,
			Kind:      OrderOrState,
			URL:       "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/hosted-zone-private-associate-vpcs-different-accounts.html",
			Quote:     "Using the account that created the hosted zone, authorize the association of the VPC with the private hosted zone",
			Error:     "NotAuthorizedException",
		}),
	}
}

// vpcAttributes is the record holding a VPC's DNS attributes: the VPC
// itself, or, for an awsx VPC whose component record a real preview shows
// with its outputs only, the aws:ec2/vpc:Vpc inside it.
func vpcAttributes(s *Stack, v *offline.Resource) *offline.Resource {
	if v.Type != typeAwsxVpc || v.Has("enableDnsHostnames") {
		return v
	}
	for _, inner := range s.ByType(typeVpc) {
		for p := s.ByURN(inner.Parent); p != nil; p = s.ByURN(p.Parent) {
			if p.URN == v.URN {
				return inner
			}
		}
	}
	return v
}
