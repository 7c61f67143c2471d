package stack

import (
	"fmt"
	"net/netip"
	"sort"

	"github.com/refarch/refarch/components/deployaccess"
	"github.com/refarch/refarch/components/organization"
	"github.com/refarch/refarch/components/validate"
)

// Config is the validated configuration every part of a stack shares: the
// stack, its account and region, the account directory, and the settings
// every component follows (retention, protection, alerts). Each part reads
// its own section (stacks/<concern>part.Config); stacks.Load reads them all.
// Each field names its key; Pulumi.yaml declares every key's type, default
// and description.
type Config struct {
	// Stack is the stack name (dev, stage, prod, security, shared-services).
	Stack string
	// Role is the account role the stack name implies.
	Role Role

	// AccountID is the 12-digit id of the account this stack deploys into
	// (refarch:accountId). It must match the directory entry for this stack.
	AccountID string
	// Region is the region the stack deploys into (refarch:region).
	Region string
	// Partition is the ARN partition of Region ("aws", "aws-us-gov", "aws-cn").
	Partition string
	// DeployRoleName is the IAM role the providers assume in AccountID
	// (refarch:deployRoleName).
	DeployRoleName string
	// Access is whose role the providers assume (refarch:access): the
	// deploy role to change the stack, or the read-only preview role
	// (PreviewRoleName) to preview it.
	Access Access
	// CI is the CircleCI project whose pipelines the deploy, preview and
	// ECR push roles trust (refarch:circleciOrgId, circleciProjectId,
	// ciRepository). cmd/bootstrap creates those roles; every stack
	// validates the same keys, so a typo fails the plan too.
	CI CI
	// Owner and CostCenter become default tags on every resource
	// (refarch:owner, refarch:costCenter).
	Owner, CostCenter string

	// Accounts is the organization's account directory, by stack name
	// (refarch:accounts). Trust policies, bucket policies, peering and the
	// overlap checks read other accounts from it.
	Accounts Directory
	// VpnClientCIDR is the address pool of the VPN's clients
	// (refarch:vpnClientCidr); it must not overlap any VPC.
	VpnClientCIDR netip.Prefix

	// VpcCIDR is this stack's VPC block (refarch:vpcCidr); invalid (zero)
	// for the security stack, which needs no VPC.
	VpcCIDR netip.Prefix
	// AZCount is how many availability zones the VPC spans (refarch:azCount).
	AZCount int

	// Domain is the organization's root DNS domain (refarch:domain); an
	// application stack serves <stack>.<domain>.
	Domain string
	// AlertEmails receive the stack's alarms and security findings
	// (refarch:alertEmails); required everywhere but dev.
	AlertEmails []string
	// LogRetentionDays is the retention of every CloudWatch log group
	// (refarch:logRetentionDays).
	LogRetentionDays int
	// DeletionProtection protects every stateful resource: deletion
	// protection flags, final snapshots and pulumi protect
	// (refarch:deletionProtection). prod may not turn it off.
	DeletionProtection bool
}

// Access is the value of refarch:access.
type Access string

// The values of refarch:access.
const (
	// AccessDeploy assumes the deploy role: previews and updates (the
	// default; what `pulumi up` needs).
	AccessDeploy Access = "deploy"
	// AccessPreview assumes the read-only preview role (PreviewRoleName),
	// in the stack's account and, from an application stack, in
	// shared-services: previews only; an update fails at its first write.
	AccessPreview Access = "preview"
)

// CI identifies the CircleCI project the pipeline roles trust.
type CI struct {
	// OrgID and ProjectID are CircleCI's organization and project ids.
	OrgID, ProjectID string
	// Repository is where pipelines come from: github.com/<org>/<repo>.
	Repository string
}

// ReadCI reads refarch:circleciOrgId, circleciProjectId and ciRepository
// and records in r what breaks their rules: the stacks and cmd/bootstrap
// read them alike.
func ReadCI(r *Reader) CI {
	ci := CI{OrgID: r.Str("circleciOrgId"), ProjectID: r.Str("circleciProjectId"), Repository: r.Str("ciRepository")}
	for _, id := range []struct{ key, value string }{{"circleciOrgId", ci.OrgID}, {"circleciProjectId", ci.ProjectID}} {
		if id.value != "" {
			r.Problems.Check(Key(id.key), id.value, deployaccess.CheckUUID(id.value))
		}
	}
	if ci.Repository != "" {
		r.Problems.Check(Key("ciRepository"), ci.Repository, deployaccess.CheckVCSOrigin(ci.Repository))
	}
	return ci
}

// Account is one entry of the account directory (refarch:accounts).
type Account struct {
	// ID is the 12-digit account id.
	ID string `json:"id"`
	// VpcCIDR is the account's VPC block; empty for an account without a VPC.
	VpcCIDR string `json:"vpcCidr,omitempty"`
	// Email is the address of the account's root user. Required for every
	// member account (all but management): the management stack creates
	// the account with it, or adopts the existing account that has it.
	// Source: https://docs.aws.amazon.com/organizations/latest/APIReference/API_CreateAccount.html
	Email string `json:"email,omitempty"`
}

// IsProd reports whether the stack is the production application account.
func (c *Config) IsProd() bool { return c.Stack == ProdStack }

// Names returns the stacks of the organization's directory, in deployment
// order (Directory.Names).
func (c *Config) Names() []string { return c.Accounts.Names() }

// NamesOf returns the directory's stacks of one role, in deployment order.
func (c *Config) NamesOf(role Role) []string { return c.Accounts.NamesOf(role) }

// HasNetwork reports whether the stack's role needs a VPC.
func (c *Config) HasNetwork() bool { return c.Role != RoleSecurity && c.Role != RoleManagement }

// Load reads the common configuration of stack from r and validates it,
// recording every problem in r (each naming the key, the bad value and the
// rule); it fails only for a stack this program does not know.
func Load(stack string, r *Reader) (*Config, error) {
	role, err := RoleOf(stack)
	if err != nil {
		return nil, err
	}
	c := &Config{Stack: stack, Role: role}

	c.AccountID = r.Str("accountId")
	c.Region = r.Str("region")
	c.DeployRoleName = r.Str("deployRoleName")
	c.Access = Access(r.Str("access"))
	c.CI = ReadCI(r)
	c.Owner = r.Str("owner")
	c.CostCenter = r.Str("costCenter")
	r.Object("accounts", true, &c.Accounts)
	vpnCIDR := r.Str("vpnClientCidr")
	// The management stack has no alert topic: it holds the organization
	// only, and its findings reach security's like every account's.
	alertsRequired := c.Stack != "dev" && role != RoleManagement
	alertsSet := r.Object("alertEmails", alertsRequired, &c.AlertEmails)
	c.LogRetentionDays = r.Int("logRetentionDays", 0)
	c.DeletionProtection = r.Bool("deletionProtection", true, true)
	var vpcCIDR string
	if c.HasNetwork() {
		vpcCIDR = r.Str("vpcCidr")
		c.AZCount = r.Int("azCount", 0)
	}
	if role != RoleSecurity && role != RoleManagement {
		c.Domain = r.Str("domain")
	}

	p := &r.Problems
	c.Partition = validate.Partition(c.Region)
	if c.AccountID != "" {
		p.Check(Key("accountId"), c.AccountID, validate.CheckAccountID(c.AccountID))
	}
	if c.Region != "" {
		p.Check(Key("region"), c.Region, validate.CheckRegion(c.Region))
	}
	if c.DeployRoleName != "" {
		p.Check(Key("deployRoleName"), c.DeployRoleName, validate.CheckRoleName(c.DeployRoleName))
	}
	if c.Access != AccessDeploy && c.Access != AccessPreview && c.Access != "" {
		p.Addf(Key("access"), string(c.Access), "must be %s (change the stack) or %s (preview it with the read-only role)", AccessDeploy, AccessPreview)
	}
	for _, tag := range []struct{ key, value string }{{"owner", c.Owner}, {"costCenter", c.CostCenter}} {
		p.Check(Key(tag.key), tag.value, validate.CheckMaxLength(tag.value, 256, "an AWS tag value"))
	}
	for i, email := range c.AlertEmails {
		p.Check(fmt.Sprintf("%s[%d]", Key("alertEmails"), i), email, validate.CheckEmail(email))
	}
	if alertsSet && alertsRequired && len(c.AlertEmails) == 0 {
		p.Add(Key("alertEmails"), "[]", "must list at least one address outside dev: alarms and security findings need a recipient")
	}
	if c.LogRetentionDays != 0 {
		p.Check(Key("logRetentionDays"), fmt.Sprint(c.LogRetentionDays), validate.CheckLogRetention(c.LogRetentionDays))
	}
	if c.IsProd() && !c.DeletionProtection {
		p.Add(Key("deletionProtection"), "false", "must be true in prod: databases, buckets and keys there hold data a careless `pulumi up` must not delete")
	}
	if c.Domain != "" {
		p.Check(Key("domain"), c.Domain, validate.CheckDomainName(c.Domain))
	}
	if c.HasNetwork() && c.AZCount != 0 && c.Region != "" {
		p.Check(Key("azCount"), fmt.Sprint(c.AZCount), validate.CheckAZCount(c.AZCount, c.Region))
	}

	if vpn, rule := validate.ParseCIDR(vpnCIDR); vpnCIDR != "" {
		if rule == "" {
			rule = validate.CheckPrivateCIDR(vpn)
		}
		p.Check(Key("vpnClientCidr"), vpnCIDR, rule)
		if rule == "" {
			c.VpnClientCIDR = vpn
		}
	}
	c.checkDirectory(p)
	if vpcCIDR != "" {
		c.VpcCIDR = checkVpcCIDR(p, Key("vpcCidr"), vpcCIDR)
		if own, ok := c.Accounts[stack]; ok && c.VpcCIDR.IsValid() && own.VpcCIDR != vpcCIDR {
			p.Addf(Key("vpcCidr"), vpcCIDR, "must equal %s.%s.vpcCidr (%q): the directory is what the other accounts peer with",
				Key("accounts"), stack, own.VpcCIDR)
		}
	}
	if own, ok := c.Accounts[stack]; ok && c.AccountID != "" && own.ID != c.AccountID {
		p.Addf(Key("accountId"), c.AccountID, "must equal %s.%s.id (%q): the stack must deploy into the account the directory names",
			Key("accounts"), stack, own.ID)
	}
	return c, nil
}

// checkVpcCIDR applies the rules every VPC block follows: a network address,
// RFC 1918, between /16 and /24.
func checkVpcCIDR(p *validate.Problems, key, value string) netip.Prefix {
	prefix, rule := validate.ParseCIDR(value)
	if rule == "" {
		rule = validate.CheckPrivateCIDR(prefix)
	}
	if rule == "" {
		rule = validate.CheckPrefixLength(prefix, 16, 24)
	}
	if rule != "" {
		p.Add(key, value, rule)
		return netip.Prefix{}
	}
	return prefix
}

// checkDirectory validates the account directory: every stack present with
// a distinct 12-digit id, a valid VPC block for every account with a network,
// and no two blocks (nor the VPN client pool) overlapping.
func (c *Config) checkDirectory(p *validate.Problems) {
	if c.Accounts == nil {
		return
	}
	key := Key("accounts")
	names := make([]string, 0, len(c.Accounts))
	for name := range c.Accounts {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if _, err := RoleOf(name); err != nil {
			p.Add(key+"."+name, name, "is not a stack name: "+err.Error())
		}
	}
	for _, name := range RequiredStacks() {
		if _, ok := c.Accounts[name]; !ok {
			p.Add(key+"."+name, "", "is required: the directory must list the organization's management, security and shared-services accounts and prod")
		}
	}
	if _, ok := c.Accounts[c.Stack]; !ok && c.Stack != "" {
		p.Addf(key+"."+c.Stack, "", "is required: stack %s deploys into the account the directory names for it (an environment is one entry here and one stack file)", c.Stack)
	}
	type block struct {
		key    string
		prefix netip.Prefix
	}
	var blocks []block
	if c.VpnClientCIDR.IsValid() {
		blocks = append(blocks, block{Key("vpnClientCidr"), c.VpnClientCIDR})
	}
	owners := map[string]string{}
	for _, name := range c.Accounts.Names() {
		acct := c.Accounts[name]
		entry := key + "." + name
		role, _ := RoleOf(name)
		if acct.ID == "" && c.Role == RoleManagement && name != "management" {
			// The management stack creates the accounts that have no id
			// yet; every other stack needs them all.
		} else if rule := validate.CheckAccountID(acct.ID); rule != "" {
			if acct.ID == "" {
				rule += " (an account the management stack creates: deploy management, then write the id it exports in accountIds)"
			}
			p.Add(entry+".id", acct.ID, rule)
		} else if other, dup := owners[acct.ID]; dup {
			p.Addf(entry+".id", acct.ID, "is also the id of %s.%s: every stack needs its own account", key, other)
		} else {
			owners[acct.ID] = name
		}
		needsVPC := role != RoleSecurity && role != RoleManagement
		switch {
		case acct.Email != "":
			p.Check(entry+".email", acct.Email, organization.CheckAccountEmail(acct.Email))
		case role != RoleManagement:
			p.Add(entry+".email", "", "is required: the management stack creates the account with its root user's address, or adopts the account that has it")
		}
		switch {
		case needsVPC && acct.VpcCIDR == "":
			p.Add(entry+".vpcCidr", "", "is required: the account has a VPC")
		case acct.VpcCIDR != "":
			if prefix := checkVpcCIDR(p, entry+".vpcCidr", acct.VpcCIDR); prefix.IsValid() {
				blocks = append(blocks, block{entry + ".vpcCidr", prefix})
			}
		}
	}
	// Peered VPCs and VPN clients route to each other: any overlap makes some
	// addresses unreachable, so every pair must be disjoint.
	sort.SliceStable(blocks, func(i, j int) bool { return blocks[i].key < blocks[j].key })
	for i := range blocks {
		for j := i + 1; j < len(blocks); j++ {
			if blocks[i].prefix.Overlaps(blocks[j].prefix) {
				p.Addf(blocks[j].key, blocks[j].prefix.String(), "overlaps %s (%s): peered VPCs and the VPN client pool need disjoint address blocks",
					blocks[i].key, blocks[i].prefix)
			}
		}
	}
}

// EnvDomain is the DNS zone an application stack serves: <stack>.<domain>.
func (c *Config) EnvDomain() string { return c.Stack + "." + c.Domain }
