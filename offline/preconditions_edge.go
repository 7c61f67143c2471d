package offline

import (
	"encoding/json"
	"fmt"
	"strings"
)

// The preconditions of the edge (policies' rules_aws_edge.go, same IDs):
// what Elastic Load Balancing and S3 refuse to create before another
// resource exists.
func init() {
	registerPrecondition(Precondition{
		Rule:    "s3-access-logging-after-target-policy",
		Type:    "aws:s3/bucketLoggingV2:BucketLoggingV2",
		Code:    SilentFailure,
		Missing: edgeTargetAdmitsLogging,
	})
	registerPrecondition(Precondition{
		Rule:    "alb-after-access-log-bucket-policy",
		Type:    "aws:lb/loadBalancer:LoadBalancer",
		Code:    "InvalidConfigurationRequest",
		Missing: edgeLogBucketAdmitsELB,
	})
	registerPrecondition(Precondition{
		Rule:    "alb-lambda-target-after-invoke-permission",
		Type:    "aws:lb/targetGroupAttachment:TargetGroupAttachment",
		Code:    "AccessDenied",
		Missing: edgeELBMayInvoke,
	})
	registerPrecondition(Precondition{
		Rule:    "alb-https-listener-after-certificate-validation",
		Type:    "aws:lb/listener:Listener",
		Code:    "CertificateNotFound",
		Missing: edgeCertificateIssued,
	})
}

// edgeBucketPolicyAllows reports whether an existing bucket policy of
// bucket allows action to one of principals (service or AWS principals).
func edgeBucketPolicyAllows(w *World, bucket, action string, principals ...string) (bool, error) {
	policies, err := w.Of("aws:s3/bucketPolicy:BucketPolicy")
	if err != nil {
		return false, err
	}
	for _, p := range policies {
		if p.String("bucket") != bucket {
			continue
		}
		var doc struct {
			Statement []map[string]any
		}
		if err := json.Unmarshal([]byte(p.String("policy")), &doc); err != nil {
			continue // not a document this check can read
		}
		for _, st := range doc.Statement {
			if st["Effect"] != "Allow" || !edgeListHas(st["Action"], action) {
				continue
			}
			named := false
			switch pr := st["Principal"].(type) {
			case map[string]any:
				for _, v := range pr {
					for _, want := range principals {
						named = named || edgeListHas(v, want)
					}
				}
			case string:
				named = pr == "*"
			}
			if named {
				return true, nil
			}
		}
	}
	return false, nil
}

// edgeListHas reports whether a policy element (a string or a list) holds
// want, with IAM's trailing "*" ("s3:*", "s3:Put*").
func edgeListHas(v any, want string) bool {
	var items []string
	switch t := v.(type) {
	case string:
		items = []string{t}
	case []any:
		for _, e := range t {
			if s, ok := e.(string); ok {
				items = append(items, s)
			}
		}
	}
	for _, s := range items {
		if s == want || s == "*" || (strings.HasSuffix(s, "*") && strings.HasPrefix(strings.ToLower(want), strings.ToLower(strings.TrimSuffix(s, "*")))) {
			return true
		}
	}
	return false
}

// edgeTargetAdmitsLogging: S3 delivers a bucket's server access logs only
// to a target bucket that admits its logging service; configured before,
// the first logs are lost (AWS accepts the configuration: SilentFailure).
// Source: https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
func edgeTargetAdmitsLogging(w *World, _ Place, in map[string]any) (string, error) {
	target, _ := in["targetBucket"].(string)
	if target == "" {
		return "", nil
	}
	ok, err := edgeBucketPolicyAllows(w, target, "s3:PutObject", "logging.s3.amazonaws.com")
	if err != nil || ok {
		return "", err
	}
	return fmt.Sprintf("the target bucket %s does not grant logging.s3.amazonaws.com s3:PutObject: S3 cannot deliver its access logs", target), nil
}

// edgeLogBucketAdmitsELB: enabling access logs makes Elastic Load Balancing
// write a test file, which the bucket's policy must allow.
// Source: https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/enable-access-logs.html
func edgeLogBucketAdmitsELB(w *World, _ Place, in map[string]any) (string, error) {
	logs, _ := in["accessLogs"].(map[string]any)
	bucket, _ := logs["bucket"].(string)
	if logs["enabled"] != true || bucket == "" {
		return "", nil
	}
	principals := []string{"logdelivery.elasticloadbalancing.amazonaws.com"}
	for _, account := range elbAccounts {
		principals = append(principals, "arn:aws:iam::"+account+":root", account)
	}
	ok, err := edgeBucketPolicyAllows(w, bucket, "s3:PutObject", principals...)
	if err != nil || ok {
		return "", err
	}
	return fmt.Sprintf("Access Denied for bucket: %s. Please check S3bucket permission", bucket), nil
}

// edgeELBMayInvoke: a Lambda function is registered in a target group only
// once Elastic Load Balancing may invoke it.
// Source: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/lambda-functions.html
func edgeELBMayInvoke(w *World, at Place, in map[string]any) (string, error) {
	target, _ := in["targetId"].(string)
	if !strings.Contains(target, ":lambda:") {
		return "", nil
	}
	group, _ := in["targetGroupArn"].(string)
	perms, err := w.In(at.Account, at.Region, "aws:lambda/permission:Permission", func(e Existing) bool {
		source := e.String("sourceArn")
		return e.String("principal") == "elasticloadbalancing.amazonaws.com" &&
			FunctionName(e.String("function")) == FunctionName(target) &&
			(source == "" || group == "" || source == group)
	})
	if err != nil || len(perms) > 0 {
		return "", err
	}
	return fmt.Sprintf("elasticloadbalancing principal does not have permission to invoke %s from target group %s", target, group), nil
}

// edgeCertificateIssued: an HTTPS listener is created with an ACM
// certificate once ACM has issued it (its validation exists).
// Source: https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html
func edgeCertificateIssued(w *World, at Place, in map[string]any) (string, error) {
	cert, _ := in["certificateArn"].(string)
	if in["protocol"] != "HTTPS" || !strings.Contains(cert, ":acm:") {
		return "", nil
	}
	validations, err := w.In(at.Account, at.Region, "aws:acm/certificateValidation:CertificateValidation", func(e Existing) bool {
		return e.String("certificateArn") == cert
	})
	if err != nil || len(validations) > 0 {
		return "", err
	}
	return fmt.Sprintf("Certificate '%s' not found: it is not issued (no validation has completed)", cert), nil
}
