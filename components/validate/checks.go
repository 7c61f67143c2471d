package validate

import (
	"fmt"
	"net/mail"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Each Check* function returns "" for a good value and, otherwise, the rule
// the value breaks, ready for Problems.Check.

// rfc1918 are the private IPv4 ranges of RFC 1918, the only ranges a VPC of
// this library may use: anything else risks colliding with public addresses
// the workloads need to reach.
var rfc1918 = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
}

// ParseCIDR parses an IPv4 CIDR block written as its network address. It
// returns the prefix and "" when s is good, and the rule s breaks otherwise
// (not a CIDR, IPv6, or host bits set).
func ParseCIDR(s string) (netip.Prefix, string) {
	p, err := netip.ParsePrefix(strings.TrimSpace(s))
	if err != nil {
		return netip.Prefix{}, "must be an IPv4 CIDR block such as 10.0.0.0/16"
	}
	if !p.Addr().Is4() {
		return netip.Prefix{}, "must be an IPv4 CIDR block (IPv6 is not supported here)"
	}
	if p.Masked() != p {
		return netip.Prefix{}, fmt.Sprintf("has host bits set: write the network address %s", p.Masked())
	}
	return p, ""
}

// CheckPrivateCIDR requires p to lie inside one of the RFC 1918 ranges.
func CheckPrivateCIDR(p netip.Prefix) string {
	for _, r := range rfc1918 {
		if r.Bits() <= p.Bits() && r.Contains(p.Addr()) {
			return ""
		}
	}
	return "must lie inside an RFC 1918 private range (10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16)"
}

// CheckPrefixLength requires the prefix length of p to be between minBits
// and maxBits (for example /16 to /24).
func CheckPrefixLength(p netip.Prefix, minBits, maxBits int) string {
	if p.Bits() < minBits || p.Bits() > maxBits {
		return fmt.Sprintf("must have a prefix length between /%d and /%d", minBits, maxBits)
	}
	return ""
}

var accountIDPattern = regexp.MustCompile(`^[0-9]{12}$`)

// CheckAccountID requires a 12-digit AWS account id.
func CheckAccountID(s string) string {
	if !accountIDPattern.MatchString(s) {
		return "must be a 12-digit AWS account id"
	}
	return ""
}

// CheckEmail requires a bare e-mail address (no display name) with a dotted domain.
func CheckEmail(s string) string {
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s || addr.Name != "" {
		return "must be an e-mail address such as ops@example.com"
	}
	at := strings.LastIndexByte(s, '@')
	if !strings.Contains(s[at+1:], ".") {
		return "must be an e-mail address with a fully qualified domain"
	}
	return ""
}

// CheckRange requires min <= n <= max.
func CheckRange(n, minimum, maximum int) string {
	if n < minimum || n > maximum {
		return fmt.Sprintf("must be between %d and %d", minimum, maximum)
	}
	return ""
}

// LogRetentionDays are the only values CloudWatch Logs accepts for a log
// group's retention (PutRetentionPolicy, retentionInDays).
// Source: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html
var LogRetentionDays = []int{
	1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
	1096, 1827, 2192, 2557, 2922, 3288, 3653,
}

// CheckLogRetention requires one of the retention periods CloudWatch Logs
// accepts. Zero ("never expire") is refused on purpose: logs without a
// retention grow, and cost, forever.
func CheckLogRetention(days int) string {
	if slices.Contains(LogRetentionDays, days) {
		return ""
	}
	allowed := make([]string, len(LogRetentionDays))
	for i, d := range LogRetentionDays {
		allowed[i] = strconv.Itoa(d)
	}
	return "must be a retention CloudWatch Logs accepts: one of " + strings.Join(allowed, ", ")
}

var dnsLabel = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// CheckDomainName requires a lower-case, fully qualified DNS name with at
// least two labels, each 1-63 characters of letters, digits and inner
// hyphens, and at most 253 characters in all (RFC 1035).
func CheckDomainName(s string) string {
	const rule = "must be a lower-case, fully qualified DNS name such as example.com (labels of a-z, 0-9 and inner hyphens, at most 63 characters each, 253 in all)"
	if len(s) == 0 || len(s) > 253 || strings.HasSuffix(s, ".") {
		return rule
	}
	labels := strings.Split(s, ".")
	if len(labels) < 2 {
		return rule
	}
	for _, l := range labels {
		if !dnsLabel.MatchString(l) {
			return rule
		}
	}
	return ""
}

// CheckMaxLength requires s to be at most n bytes long; what names the AWS
// limit the length comes from.
func CheckMaxLength(s string, n int, what string) string {
	if len(s) > n {
		return fmt.Sprintf("is %d characters long; %s allows at most %d", len(s), what, n)
	}
	return ""
}

var bucketChars = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*[a-z0-9]$`)

// CheckBucketName applies S3's naming rules for general purpose buckets
// (3-63 characters; lower-case letters, digits and hyphens; beginning and
// ending with a letter or digit; none of the reserved prefixes and
// suffixes; not an IP address) and refuses dots, which S3 allows but which
// break TLS certificate matching on the bucket's virtual-hosted endpoint.
// Source: https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
func CheckBucketName(name string) string {
	if len(name) < 3 || len(name) > 63 {
		return "must be 3-63 characters long (S3 bucket naming rules)"
	}
	if strings.Contains(name, ".") {
		if _, err := netip.ParseAddr(name); err == nil {
			return "must not be an IP address (S3 bucket naming rules)"
		}
		return "must not contain dots: a dotted bucket name breaks TLS to its virtual-hosted endpoint"
	}
	if !bucketChars.MatchString(name) {
		return "must hold only lower-case letters, digits and hyphens, and begin and end with a letter or digit (S3 bucket naming rules)"
	}
	for _, prefix := range []string{"xn--", "sthree-", "amzn-s3-demo-"} {
		if strings.HasPrefix(name, prefix) {
			return fmt.Sprintf("must not begin with %q, which S3 reserves", prefix)
		}
	}
	for _, suffix := range []string{"-s3alias", "--ol-s3", "--x-s3", "--table-s3"} {
		if strings.HasSuffix(name, suffix) {
			return fmt.Sprintf("must not end with %q, which S3 reserves", suffix)
		}
	}
	return ""
}

var (
	envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	// secretLooking are fragments of variable names that hold secrets.
	secretLooking = regexp.MustCompile(`(?i)(PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE_?KEY|API_?KEY|CREDENTIAL)`)
	// reference are suffixes of names that hold where a secret is, not
	// the secret: WEBHOOK_SECRET_ARN is an ARN anyone may read.
	reference = regexp.MustCompile(`_(ARN|NAME|ID)$`)
)

// CheckEnvName requires a plain environment variable's name: letters,
// digits and underscores, not starting with a digit, and not one that
// looks like it holds a secret (PASSWORD, TOKEN, API_KEY, …), which
// belongs in Secrets Manager and is read by reference. A name ending in
// _ARN, _NAME or _ID names where a secret is and is accepted.
func CheckEnvName(name string) string {
	switch {
	case !envName.MatchString(name):
		return "must be a variable name: letters, digits and underscores, not starting with a digit"
	case secretLooking.MatchString(name) && !reference.MatchString(name):
		return "looks like a secret: keep it in Secrets Manager and pass its ARN (a name ending in _ARN), never the value as plain environment"
	}
	return ""
}
