package securitybaseline

import (
	"net/netip"
	"regexp"
	"strings"

	"github.com/refarch/refarch/components/validate"
)

// The Check* functions return "" for a good value and the rule it breaks
// otherwise, like those of components/validate; the stack configuration
// reuses them so a key and the argument it feeds obey the same rule.

// MaxNameLength bounds the name of a SecurityBaseline or Identity: every
// derived physical name (roles "<name>-cloudtrail-logs", rules, alarms,
// windows, groups) stays within its AWS limit.
const MaxNameLength = 40

// CheckName returns the rule a SecurityBaseline's or Identity's name
// breaks, or "".
func CheckName(name string) string {
	return validate.CheckName(name, MaxNameLength)
}

// standInName judges the defaults Validate derives from the component's
// name (the trail's, the base group's) when it has none: NewSecurityBaseline
// and NewIdentity apply the real name, whose own rule keeps them valid.
const standInName = "baseline"

var bucketName = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// CheckBucketName requires a general purpose S3 bucket name.
// Source: https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
func CheckBucketName(s string) string {
	const rule = "must be an S3 bucket name: 3-63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit"
	if !bucketName.MatchString(s) || strings.Contains(s, "..") || strings.HasPrefix(s, "xn--") ||
		strings.HasSuffix(s, "-s3alias") || strings.HasSuffix(s, "--ol-s3") {
		return rule
	}
	if _, err := netip.ParseAddr(s); err == nil {
		return rule + ", not an IP address"
	}
	return ""
}

var (
	trailName          = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9._-]{1,126})[A-Za-z0-9]$`)
	adjacentSeparators = regexp.MustCompile(`[._-]{2}`)
)

// CheckTrailName requires a CloudTrail trail name: 3-128 letters, digits,
// periods, underscores and dashes, starting and ending with a letter or
// digit, no two separators in a row.
// Source: https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_CreateTrail.html
func CheckTrailName(s string) string {
	if !trailName.MatchString(s) || adjacentSeparators.MatchString(s) {
		return "must be a CloudTrail trail name: 3-128 letters, digits, '.', '_' and '-', starting and ending with a letter or digit, no two separators in a row"
	}
	return ""
}

var configRule = regexp.MustCompile(`^[A-Z0-9_]{3,128}$`)

func checkConfigRule(s string) string {
	if !configRule.MatchString(s) {
		return "must be the source identifier of an AWS Config managed rule, such as CLOUD_TRAIL_ENABLED"
	}
	return ""
}

var (
	policyARN = regexp.MustCompile(`^arn:aws[a-z-]*:iam::(aws|[0-9]{12}):policy/([\w+=,.@-]+/)*[\w+=,.@-]{1,128}$`)
)

// CheckPolicyARN requires the ARN of a managed IAM policy.
func CheckPolicyARN(s string) string {
	if !policyARN.MatchString(s) {
		return "must be the ARN of a managed IAM policy, such as arn:aws:iam::aws:policy/ReadOnlyAccess"
	}
	return ""
}

var (
	cronExpr = regexp.MustCompile(`^cron\(([^ ()]+ ){5}[^ ()]+\)$`)
	rateExpr = regexp.MustCompile(`^rate\([1-9][0-9]* (minute|minutes|hour|hours|day|days)\)$`)
)

// CheckSchedule requires a Systems Manager schedule: cron() with six
// fields (minutes hours day-of-month month day-of-week year, one of the
// day fields "?") or rate().
// Source: https://docs.aws.amazon.com/systems-manager/latest/userguide/reference-cron-and-rate-expressions.html
func CheckSchedule(s string) string {
	const rule = "must be cron(<min> <hour> <day-of-month> <month> <day-of-week> <year>) with one day field '?', or rate(<n> days|hours|minutes), e.g. cron(0 3 ? * SUN *)"
	switch {
	case rateExpr.MatchString(s):
		return ""
	case cronExpr.MatchString(s):
		fields := strings.Fields(strings.TrimSuffix(strings.TrimPrefix(s, "cron("), ")"))
		if (fields[2] == "?") == (fields[4] == "?") {
			return rule
		}
		return ""
	}
	return rule
}

// CheckApproveAfterDays requires a patch approval delay Systems Manager
// accepts.
// Source: https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PatchRule.html
func CheckApproveAfterDays(n int) string {
	if n < 0 || n > 360 {
		return "must be between 0 (approve on release) and 360 days"
	}
	return ""
}

var timezone = regexp.MustCompile(`^[A-Za-z]+(/[A-Za-z0-9_+-]+){0,2}$`)

// CheckTimezone requires an IANA time zone name such as Etc/UTC or
// Europe/Berlin.
func CheckTimezone(s string) string {
	if !timezone.MatchString(s) || len(s) > 64 {
		return "must be an IANA time zone such as Etc/UTC or Europe/Berlin"
	}
	return ""
}
