package validate

import (
	"fmt"
	"strings"
)

// RegionAZs maps every AWS region this library supports to the number of
// availability zones a new account can use there. Where a region has a zone
// closed to new accounts (us-west-1, ap-northeast-1) the usable count is given.
// Source: https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-availability-zones.html
var RegionAZs = map[string]int{
	"us-east-1":      6,
	"us-east-2":      3,
	"us-west-1":      2,
	"us-west-2":      4,
	"ca-central-1":   3,
	"ca-west-1":      3,
	"mx-central-1":   3,
	"sa-east-1":      3,
	"eu-west-1":      3,
	"eu-west-2":      3,
	"eu-west-3":      3,
	"eu-central-1":   3,
	"eu-central-2":   3,
	"eu-north-1":     3,
	"eu-south-1":     3,
	"eu-south-2":     3,
	"af-south-1":     3,
	"il-central-1":   3,
	"me-south-1":     3,
	"me-central-1":   3,
	"ap-east-1":      3,
	"ap-south-1":     3,
	"ap-south-2":     3,
	"ap-northeast-1": 3,
	"ap-northeast-2": 4,
	"ap-northeast-3": 3,
	"ap-southeast-1": 3,
	"ap-southeast-2": 3,
	"ap-southeast-3": 3,
	"ap-southeast-4": 3,
	"ap-southeast-5": 3,
	"ap-southeast-7": 3,
	"us-gov-west-1":  3,
	"us-gov-east-1":  3,
}

// CheckRegion requires a region listed in RegionAZs.
func CheckRegion(region string) string {
	if _, ok := RegionAZs[region]; ok {
		return ""
	}
	return "must be an AWS region this library knows, e.g. us-east-1, us-west-2, eu-west-1 (see validate.RegionAZs)"
}

// CheckAZCount requires between 2 and 6 availability zones, and no more than
// region offers. Two is the floor because one zone is no high availability.
func CheckAZCount(n int, region string) string {
	if n < 2 || n > 6 {
		return "must be between 2 and 6: one zone is not highly available, and no region offers more than 6"
	}
	if avail, ok := RegionAZs[region]; ok && n > avail {
		return fmt.Sprintf("exceeds the %d availability zones region %s offers", avail, region)
	}
	return ""
}

// Partition returns the AWS partition a region belongs to: "aws-us-gov" for
// GovCloud, "aws-cn" for China, "aws" otherwise. ARNs are built with it.
func Partition(region string) string {
	switch {
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	default:
		return "aws"
	}
}
