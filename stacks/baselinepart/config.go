package baselinepart

import (
	"fmt"

	"github.com/refarch/refarch/components/identity"
	sb "github.com/refarch/refarch/components/securitybaseline"
	"github.com/refarch/refarch/components/validate"
	"github.com/refarch/refarch/stacks/stack"
)

// Config configures the security baseline, the account roles and
// (in security) the IAM users. Pulumi.yaml declares every key under the
// "security baseline and identity" marker.
type Config struct {
	// Users are the people of the organization (refarch:users), created
	// in the security stack only; each names the personas it belongs to.
	Users []User
	// RoleSessionHours bounds the sessions of the persona roles other than
	// full-access, which is always one hour (refarch:roleSessionHours).
	RoleSessionHours int
	// AuditRegion is the region of the central audit archive
	// (refarch:auditRegion); every stack deploys there, because CloudTrail
	// and AWS Config need their KMS key in the archive's region.
	AuditRegion string
	// AuditLogRetentionDays is the retention of the baseline's log groups:
	// the trail, sessions, patch runs (refarch:auditLogRetentionDays).
	AuditLogRetentionDays int
	// AuditLockDays and AuditExpireDays are the archive's default Object
	// Lock retention and expiry (refarch:auditLockDays,
	// refarch:auditExpireDays); read in the security stack only.
	AuditLockDays, AuditExpireDays int
	// PatchSchedule is the patch window's schedule (refarch:patchSchedule).
	PatchSchedule string
	// PatchApproveAfterDays delays the approval of security updates
	// (refarch:patchApproveAfterDays).
	PatchApproveAfterDays int
}

// User is one entry of refarch:users.
type User struct {
	// Name is the IAM user name (lower case).
	Name string `json:"name"`
	// Email is the person's address.
	Email string `json:"email"`
	// Groups are the personas the user belongs to (see Personas).
	Groups []string `json:"groups"`
}

// Load reads and validates the section; problems go to r.
func (s *Config) Load(r *stack.Reader, c *stack.Config) {
	r.Object("users", false, &s.Users)
	s.RoleSessionHours = r.Int("roleSessionHours", 0)
	s.AuditRegion = r.Str("auditRegion")
	s.AuditLogRetentionDays = r.Int("auditLogRetentionDays", 0)
	s.PatchSchedule = r.Str("patchSchedule")
	s.PatchApproveAfterDays = r.Int("patchApproveAfterDays", 0)
	if c.Role == stack.RoleSecurity {
		s.AuditLockDays = r.Int("auditLockDays", 0)
		s.AuditExpireDays = r.Int("auditExpireDays", 0)
	}

	p := &r.Problems
	s.checkUsers(p, c)
	if s.RoleSessionHours != 0 {
		p.Check(stack.Key("roleSessionHours"), fmt.Sprint(s.RoleSessionHours), validate.CheckRange(s.RoleSessionHours, 1, 12))
		if c.IsProd() && s.RoleSessionHours > 4 {
			p.Add(stack.Key("roleSessionHours"), fmt.Sprint(s.RoleSessionHours), "must be at most 4 in prod: a stolen production session should not outlive a shift")
		}
	}
	if s.AuditRegion != "" {
		if rule := validate.CheckRegion(s.AuditRegion); rule != "" {
			p.Add(stack.Key("auditRegion"), s.AuditRegion, rule)
		} else if c.Region != "" && validate.CheckRegion(c.Region) == "" && c.Region != s.AuditRegion {
			p.Addf(stack.Key("region"), c.Region, "must equal %s (%s): CloudTrail and AWS Config deliver to the central archive only with a KMS key in the archive's region",
				stack.Key("auditRegion"), s.AuditRegion)
		}
	}
	if s.AuditLogRetentionDays != 0 {
		p.Check(stack.Key("auditLogRetentionDays"), fmt.Sprint(s.AuditLogRetentionDays), validate.CheckLogRetention(s.AuditLogRetentionDays))
		if (c.IsProd() || c.Role == stack.RoleSecurity) && s.AuditLogRetentionDays < 365 {
			p.Add(stack.Key("auditLogRetentionDays"), fmt.Sprint(s.AuditLogRetentionDays), "must be at least 365 in prod and security: a year of audit evidence")
		}
	}
	if s.PatchSchedule != "" {
		p.Check(stack.Key("patchSchedule"), s.PatchSchedule, sb.CheckSchedule(s.PatchSchedule))
	}
	p.Check(stack.Key("patchApproveAfterDays"), fmt.Sprint(s.PatchApproveAfterDays), sb.CheckApproveAfterDays(s.PatchApproveAfterDays))
	if c.Role == stack.RoleSecurity {
		p.Check(stack.Key("auditLockDays"), fmt.Sprint(s.AuditLockDays), validate.CheckRange(s.AuditLockDays, 0, 36500))
		if s.AuditExpireDays < 365 || s.AuditExpireDays <= s.AuditLockDays {
			p.Addf(stack.Key("auditExpireDays"), fmt.Sprint(s.AuditExpireDays), "must be at least 365 and exceed %s (%d): locked records cannot expire", stack.Key("auditLockDays"), s.AuditLockDays)
		}
	}
}

// checkUsers validates refarch:users: people exist only in the security
// account, with well-formed, distinct names and addresses, and every group
// a persona.
func (s *Config) checkUsers(p *validate.Problems, c *stack.Config) {
	if len(s.Users) > 0 && c.Role != stack.RoleSecurity {
		p.Add(stack.Key("users"), fmt.Sprintf("%d users", len(s.Users)), "must be empty outside the security stack: people have users in the security account only and assume roles elsewhere")
		return
	}
	users := make([]identity.UserArgs, len(s.Users))
	for i, u := range s.Users {
		users[i] = identity.UserArgs{Name: u.Name, Email: u.Email, Groups: u.Groups}
	}
	identity.CheckUsers(p, users, Personas, func(i int, field string) string {
		return fmt.Sprintf("%s[%d].%s", stack.Key("users"), i, field)
	})
}

// Keys are the keys this part reads.
var Keys = []stack.KeyDoc{
	{Name: "users", Part: "stacks/baselinepart", Feeds: "components/identity (Args.Users) in security", Rule: "empty outside security; distinct lower-case IAM user names and addresses; groups among the personas; fields name, email and groups only"},
	{Name: "roleSessionHours", Part: "stacks/baselinepart", Feeds: "components/securitybaseline (the persona roles' MaxSessionHours; full-access is always 1)", Rule: "1-12; at most 4 in prod"},
	{Name: "auditRegion", Part: "stacks/baselinepart", Feeds: "the central audit archive's region", Rule: "a known region, equal to region"},
	{Name: "auditLogRetentionDays", Part: "stacks/baselinepart", Feeds: "components/securitybaseline (Args.LogRetentionDays)", Rule: "a CloudWatch Logs retention; at least 365 in prod and security"},
	{Name: "auditLockDays", Part: "stacks/baselinepart", Feeds: "components/securitybaseline (ArchiveArgs.LockDays) in security", Rule: "0-36500"},
	{Name: "auditExpireDays", Part: "stacks/baselinepart", Feeds: "components/securitybaseline (ArchiveArgs.ExpireDays) in security", Rule: "at least 365 and more than auditLockDays"},
	{Name: "patchSchedule", Part: "stacks/baselinepart", Feeds: "components/securitybaseline (PatchingArgs.Schedule)", Rule: "cron(<min> <hour> <day-of-month> <month> <day-of-week> <year>) with one day field ?, or rate(<n> days|hours|minutes)"},
	{Name: "patchApproveAfterDays", Part: "stacks/baselinepart", Feeds: "components/securitybaseline (PatchingArgs.ApproveAfterDays)", Rule: "0-360"},
}
