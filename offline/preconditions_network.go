package offline

import (
	"encoding/json"
	"fmt"
	"strings"
)

// The preconditions of the network's order-or-state rules (policies'
// network rules of the same IDs): a key policy naming a service-linked
// role, security group rules naming a group across a peering, routes
// through a peering, and a private zone associated across accounts.

const (
	netTypeServiceLinkedRole = "aws:iam/serviceLinkedRole:ServiceLinkedRole"
	netTypePeering           = "aws:ec2/vpcPeeringConnection:VpcPeeringConnection"
	netTypeAccepter          = "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter"
	netTypeSecurityGroup     = "aws:ec2/securityGroup:SecurityGroup"
	netTypeZone              = "aws:route53/zone:Zone"
	netTypeZoneAuthorization = "aws:route53/vpcAssociationAuthorization:VpcAssociationAuthorization"
)

// netServiceRolePath marks the ARN of a service-linked role.
const netServiceRolePath = ":role/aws-service-role/"

func init() {
	registerPrecondition(Precondition{
		Rule:    "kms-key-policy-service-linked-role-created-first",
		Type:    "aws:kms/key:Key",
		Code:    "MalformedPolicyDocumentException",
		Missing: serviceLinkedRolesExist,
	})
	for _, typ := range []string{
		"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
		"aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
	} {
		registerPrecondition(Precondition{
			Rule:    "sg-cross-account-reference-after-peering-accepted",
			Type:    typ,
			Code:    "InvalidGroup.NotFound",
			Missing: peeredGroup,
		})
	}
	registerPrecondition(Precondition{
		Rule:    "vpc-peering-routes-after-accepter",
		Type:    "aws:ec2/route:Route",
		Code:    SilentFailure,
		Missing: activePeering,
	})
	registerPrecondition(Precondition{
		Rule:    "route53-cross-account-zone-association-after-authorization",
		Type:    "aws:route53/zoneAssociation:ZoneAssociation",
		Code:    "NotAuthorizedException",
		Missing: authorizedAssociation,
	})
}

// serviceLinkedRolesExist: KMS refuses a key policy naming a principal that
// does not exist. Only service-linked roles are checked (the principals
// the stacks create and name in key policies; roles, accounts and services
// exist before any stack or are created by the bootstrap).
// Source: https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html
func serviceLinkedRolesExist(w *World, _ Place, in map[string]any) (string, error) {
	doc, _ := in["policy"].(string)
	if doc == "" {
		return "", nil
	}
	var policy struct {
		Statement []struct {
			Principal any
		}
	}
	// A document that does not parse is KMS's own syntax check, not this
	// precondition's: it judges nothing then.
	if json.Unmarshal([]byte(doc), &policy) != nil {
		return "", nil
	}
	for _, st := range policy.Statement {
		for _, arn := range netAWSPrincipals(st.Principal) {
			if !strings.Contains(arn, netServiceRolePath) {
				continue
			}
			account := netARNPart(arn, 4)
			roles, err := w.In(account, "", netTypeServiceLinkedRole, func(e Existing) bool { return e.String("arn") == arn })
			if err != nil {
				return "", err
			}
			if len(roles) == 0 {
				return fmt.Sprintf("Policy contains a statement with one or more invalid principals: %s does not exist", arn), nil
			}
		}
	}
	return "", nil
}

// netAWSPrincipals are the AWS principals of a statement's Principal.
func netAWSPrincipals(p any) []string {
	m, _ := p.(map[string]any)
	switch v := m["AWS"].(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// netARNPart is field i of an ARN ("" when it is not one).
func netARNPart(arn string, i int) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		return ""
	}
	return parts[i]
}

// peeredGroup: EC2 resolves a security group of another account
// ("<account>/<group id>") only through an active peering between the
// rule's VPC and the group's: here, a connection requested in that
// account and accepted in this one (the accepter waits for "active").
// Source: https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-security-groups.html
func peeredGroup(w *World, at Place, in map[string]any) (string, error) {
	ref, _ := in["referencedSecurityGroupId"].(string)
	account, group, cross := strings.Cut(ref, "/")
	if !cross || account == at.Account {
		return "", nil
	}
	accepters, err := w.In(at.Account, at.Region, netTypeAccepter, nil)
	if err != nil {
		return "", err
	}
	connections, err := w.Of(netTypePeering)
	if err != nil {
		return "", err
	}
	// The VPCs, where the world knows them: the referenced group's and the
	// rule's own group's.
	groupVpc := func(account, id string) string {
		groups, _ := w.In(account, "", netTypeSecurityGroup, func(e Existing) bool { return e.ID == id })
		if len(groups) == 0 {
			return ""
		}
		return groups[0].String("vpcId")
	}
	own, _ := in["securityGroupId"].(string)
	theirVpc, ownVpc := groupVpc(account, group), groupVpc(at.Account, own)
	for _, a := range accepters {
		id := a.String("vpcPeeringConnectionId")
		for _, c := range connections {
			if c.ID != id || c.Account != account {
				continue
			}
			if theirVpc != "" && c.String("vpcId") != "" && c.String("vpcId") != theirVpc {
				continue
			}
			if ownVpc != "" && c.String("peerVpcId") != "" && c.String("peerVpcId") != ownVpc {
				continue
			}
			return "", nil
		}
	}
	return fmt.Sprintf("You have specified two resources that belong to different networks: no active peering connects this VPC with account %s's group %s", account, group), nil
}

// activePeering: a route through a peering connection that is not active
// is accepted as a blackhole. Active means accepted (an accepter of the
// connection exists, in whichever account), or requested with auto-accept
// within one account.
// Source: https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-routing.html
func activePeering(w *World, _ Place, in map[string]any) (string, error) {
	id, _ := in["vpcPeeringConnectionId"].(string)
	if id == "" {
		return "", nil
	}
	accepters, err := w.Of(netTypeAccepter)
	if err != nil {
		return "", err
	}
	for _, a := range accepters {
		if a.String("vpcPeeringConnectionId") == id {
			return "", nil
		}
	}
	connections, err := w.Of(netTypePeering)
	if err != nil {
		return "", err
	}
	for _, c := range connections {
		if c.ID == id && c.Bool("autoAccept") {
			return "", nil
		}
	}
	return fmt.Sprintf("peering connection %s is not active: the route would be a blackhole", id), nil
}

// authorizedAssociation: the account of a private hosted zone must
// authorize the association of another account's VPC first.
// Source: https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/hosted-zone-private-associate-vpcs-different-accounts.html
func authorizedAssociation(w *World, at Place, in map[string]any) (string, error) {
	zoneID, _ := in["zoneId"].(string)
	vpcID, _ := in["vpcId"].(string)
	zones, err := w.Of(netTypeZone)
	if err != nil {
		return "", err
	}
	owner := ""
	for _, z := range zones {
		if z.ID == zoneID || z.String("zoneId") == zoneID {
			owner = z.Account
		}
	}
	if owner == "" || owner == at.Account {
		return "", nil
	}
	auths, err := w.In(owner, "", netTypeZoneAuthorization, func(e Existing) bool {
		return e.String("zoneId") == zoneID && e.String("vpcId") == vpcID
	})
	if err != nil || len(auths) > 0 {
		return "", err
	}
	return fmt.Sprintf("account %s has not authorized associating VPC %s with its hosted zone %s", owner, vpcID, zoneID), nil
}
