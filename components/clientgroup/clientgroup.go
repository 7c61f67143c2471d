// Package clientgroup provides ClientGroup: the empty security group that
// clients of a data store join to be admitted by it.
//
// It breaks the cycle between services and the stores they use: a store's
// security group admits the client group (and the store adds the group's
// egress to itself, components/postgres and components/memcached), and a
// service joins the group later, without the store knowing the service.
package clientgroup

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/validate"
)

// MaxNameLength keeps the group's name, the component name plus the
// 8-character suffix Pulumi adds, within the 255 characters EC2 allows.
// Source: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html
const MaxNameLength = 247

// ClientGroup is an empty security group whose members the data stores
// admit. It has no ingress (nothing connects to the clients) and no egress
// of its own: Pulumi's provider removes the allow-all egress rule AWS adds
// to a new group, and each store adds exactly the egress to its own group
// and port. So a member reaches the stores that admit the group, and
// nothing else through it.
// Source: https://www.pulumi.com/registry/packages/aws/api-docs/ec2/securitygroup/
type ClientGroup struct {
	pulumi.ResourceState

	// SecurityGroupID is the group's id: what services join and stores admit.
	SecurityGroupID pulumi.IDOutput `pulumi:"securityGroupId"`
}

// ClientGroupArgs configures a ClientGroup.
type ClientGroupArgs struct {
	// VpcID is the VPC of the stores and their clients. Required.
	VpcID pulumi.StringInput
	// Description of the group: what its members reach. Default "Members
	// reach the data stores". At most 255 characters of ASCII (EC2's rule).
	Description string
	// Tags are added to the group; its Name tag is the component's name.
	// Default none.
	Tags map[string]string
}

// defaultDescription is Args.Description's default.
const defaultDescription = "Members reach the data stores"

// Validate applies the defaults and reports every problem at once.
func (a *ClientGroupArgs) Validate() error {
	if a.Description == "" {
		a.Description = defaultDescription
	}
	var p validate.Problems
	if a.VpcID == nil {
		p.Add("Args.VpcID", "", "is required: a security group belongs to one VPC")
	}
	p.Check("Args.Description", a.Description, validate.CheckMaxLength(a.Description, 255, "a security group description"))
	if strings.ContainsFunc(a.Description, func(r rune) bool { return r > 127 }) {
		p.Add("Args.Description", a.Description, "must be ASCII: EC2 refuses other characters in a group description")
	}
	return p.Err("client group arguments")
}

// NewClientGroup creates the group. It validates args before registering
// anything.
func NewClientGroup(ctx *pulumi.Context, name string, args *ClientGroupArgs, opts ...pulumi.ResourceOption) (*ClientGroup, error) {
	if args == nil {
		args = &ClientGroupArgs{}
	}
	a := *args
	if err := validate.Component("client group arguments", name, validate.CheckName(name, MaxNameLength), &a); err != nil {
		return nil, fmt.Errorf("client group %q: %w", name, err)
	}
	c := &ClientGroup{}
	if err := ctx.RegisterComponentResource("refarch:clientgroup:ClientGroup", name, c, opts...); err != nil {
		return nil, fmt.Errorf("client group %q: registering the component: %w", name, err)
	}
	tags := pulumi.StringMap{}
	for k, v := range a.Tags {
		tags[k] = pulumi.String(v)
	}
	tags["Name"] = pulumi.String(name)
	group, err := ec2.NewSecurityGroup(ctx, name, &ec2.SecurityGroupArgs{
		VpcId:       a.VpcID,
		Description: pulumi.String(a.Description),
		Tags:        tags,
	}, pulumi.Parent(c))
	if err != nil {
		return nil, fmt.Errorf("client group %q: security group: %w", name, err)
	}
	c.SecurityGroupID = group.ID()
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{"securityGroupId": c.SecurityGroupID})
}
