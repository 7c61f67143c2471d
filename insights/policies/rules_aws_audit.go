package policies

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/refarch/refarch/offline"
)

// AWS rules of the audit trail and its archive: CloudTrail, AWS Config,
// the archive buckets and their access logs, the keys that encrypt what
// they deliver, and IAM's policy size quotas.

const (
	auditTypeConfigRule = "aws:cfg/rule:Rule"
	auditTypeAggregator = "aws:cfg/configurationAggregator:ConfigurationAggregator"
	auditTypeGroup      = "aws:iam/group:Group"
)

// auditBucket returns the bucket named name in the deployment (this stack
// first), and the stack holding it; nil when no stack holds it.
func auditBucket(s *Stack, name string) (*Stack, *offline.Resource) {
	if b := bucketFor(s, name); b != nil {
		return s, b
	}
	for _, p := range netDeployment(s) {
		if b := bucketFor(p, name); b != nil {
			return p, b
		}
	}
	return nil, nil
}

// auditPartition is the partition of an ARN, "aws" when it names none.
func auditPartition(arn string) string {
	if p := netARNPart(arn, 1); p != "" {
		return p
	}
	return "aws"
}

// auditTrailARN is the ARN of a trail record ("" when its account,
// region or name is not known).
func auditTrailARN(s *Stack, t *offline.Resource) string {
	account, region, name := s.providerAccount(t), s.providerRegion(t), t.String("name")
	if t.Bool("isOrganizationTrail") {
		// The management account owns an organization trail, also one its
		// delegated administrator creates.
		// Source: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-delegated-administrator.html
		if m := managementAccount(s); m != "" {
			account = m
		} else {
			// Planned alone: the account CloudTrail's delegation is made
			// from (only the management account may make it).
			for _, d := range s.ByType(typeCloudTrailDelegatedAdmin) {
				if m := s.providerAccount(d); m != "" {
					account = m
				}
			}
		}
	}
	if account == "" || region == "" || name == "" {
		return ""
	}
	return fmt.Sprintf("arn:%s:cloudtrail:%s:%s:trail/%s", auditPartition(t.String("kmsKeyId")), region, account, name)
}

// auditConditionAdmits reports whether every condition of the statement
// on key (any operator) admits value: equality for the String/Arn Equals
// operators, IAM's wildcards for the Like ones. A statement without a
// condition on key admits every value.
func auditConditionAdmits(st statement, key, value string) bool {
	conds, _ := st["Condition"].(map[string]any)
	for op, byKey := range conds {
		m, _ := byKey.(map[string]any)
		for k, v := range m {
			if !strings.EqualFold(k, key) {
				continue
			}
			like := strings.Contains(op, "Like")
			admitted := false
			for _, want := range list(v) {
				if want == value || (like && globMatch(want, value)) {
					admitted = true
				}
			}
			if !admitted {
				return false
			}
		}
	}
	return true
}

// auditResourceAdmits reports whether a statement's resources cover arn.
func auditResourceAdmits(st statement, arn string) bool {
	for _, r := range st.resources() {
		if globMatch(r, arn) {
			return true
		}
	}
	return false
}

// auditServiceAllows reports whether some Allow statement of sts lets the
// service principal do action on resource ("" for any), with conditions
// admitting every context value given (condition key → value).
func auditServiceAllows(sts []statement, service, action, resource string, context map[string]string) bool {
	for _, st := range sts {
		if st.effect() != "Allow" || !slices.Contains(st.principals(), service) || !st.grantsAction(action) {
			continue
		}
		if resource != "" && !auditResourceAdmits(st, resource) {
			continue
		}
		ok := true
		for k, v := range context {
			if v != "" && !auditConditionAdmits(st, k, v) {
				ok = false
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// auditBucketPolicies are the statements of the policies of bucket b in
// stack s; ok is false when no policy is known.
func auditBucketPolicies(s *Stack, b *offline.Resource) ([]statement, bool) {
	var out []statement
	found := false
	for _, p := range s.Linked(b, typeBucketPolicy, "bucket") {
		if sts, ok := statements(p, "policy"); ok {
			out = append(out, sts...)
			found = true
		}
	}
	return out, found
}

// auditConfigSLR reports whether the stack's AWS Config records with its
// service-linked role (which delivers as the config.amazonaws.com
// principal, not as a role of the account).
func auditConfigSLR(s *Stack) bool {
	for _, r := range s.ByType(typeRecorder) {
		if strings.Contains(r.String("roleArn"), netServiceRolePath+"config.amazonaws.com/") {
			return true
		}
	}
	return false
}

// auditPolicySize is a policy's size as IAM counts it: its characters
// without white space.
func auditPolicySize(doc string) int {
	n := 0
	for _, r := range doc {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// auditAttached reports whether an inline policy record names principal p
// through its input (role, group, user).
func auditAttached(r *offline.Resource, input string, p *offline.Resource) bool {
	target := r.Get(input)
	return refersTo(target, p) || (known(target) && target != "" && target == p.Get("name"))
}

// auditInlineSize is the aggregate size of the inline policies of p: the
// records of typ naming it through input, plus its own inlinePolicies.
func auditInlineSize(s *Stack, p *offline.Resource, typ, input string) int {
	total := 0
	for _, r := range s.ByType(typ) {
		if doc, ok := r.Get("policy").(string); ok && auditAttached(r, input, p) {
			total += auditPolicySize(doc)
		}
	}
	for i := range p.List("inlinePolicies") {
		if doc, ok := p.Get(fmt.Sprintf("inlinePolicies[%d].policy", i)).(string); ok {
			total += auditPolicySize(doc)
		}
	}
	return total
}

// The IAM quotas, in characters without white space.
// Source: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
const (
	auditTrustQuota      = 2048
	auditRoleInlineQuota = 10240
	auditGroupQuota      = 5120
	auditUserQuota       = 2048
	auditManagedQuota    = 6144
)

// awsAuditRules are the AWS rules of this group of services.
func awsAuditRules() []*Rule {
	return []*Rule{
		awsRule(&Rule{
			ID:       "cloudtrail-bucket-key-needs-cloudtrail-decrypt",
			Title:    "A trail delivering with SSE-KMS to a bucket with S3 Bucket Keys lets CloudTrail decrypt with its key",
			Severity: Critical,
			Reason:   "CloudTrail refuses to create or update the trail: the account has no audit trail",
			Check: func(c *Checker) {
				for _, t := range c.Stack.ByType(typeTrail) {
					keyARN, name := t.String("kmsKeyId"), t.String("s3BucketName")
					s, b := auditBucket(c.Stack, name)
					key := c.Stack.keyByARN(keyARN)
					if s == nil || key == nil {
						c.Judge(t, "")
						continue
					}
					bucketKey := false
					for _, sse := range s.Linked(b, typeBucketSSE, "bucket") {
						for i := range sse.List("rules") {
							bucketKey = bucketKey || sse.Bool(fmt.Sprintf("rules[%d].bucketKeyEnabled", i))
						}
					}
					sts, ok := statements(key, "policy")
					if !bucketKey || !ok {
						c.Judge(t, "")
						continue
					}
					c.Judge(t, unless(auditServiceAllows(sts, "cloudtrail.amazonaws.com", "kms:Decrypt", "", nil),
						fmt.Sprintf("bucket %s (stack %s) has S3 Bucket Keys on, and the policy of key %s does not let cloudtrail.amazonaws.com kms:Decrypt", name, s.Name, key.Name)))
				}
			},
		}, Constraint{
			Dimension: DimPolicy,
			Kind:      CrossStack,
			URL:       "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html",
			Quote:     "If you are using an existing S3 bucket with an S3 Bucket Key, kms:Decrypt permissions are required to create or update a trail with SSE-KMS encryption enabled.",
			Error:     "InsufficientEncryptionPolicyException",
			Found:     "every stack's trail wrote with its own logs key, which gave CloudTrail no kms:Decrypt, to security's trail archive, which has S3 Bucket Keys on (components/securitybaseline)",
		}),
		awsRule(&Rule{
			ID:       "s3-access-logging-after-target-bucket",
			Title:    "A bucket's server access logging is configured after its target bucket exists",
			Severity: Critical,
			Reason:   "S3 refuses the logging configuration while the target bucket does not exist: the first pulumi up fails",
			Check: func(c *Checker) {
				target := func(l *offline.Resource) *offline.Resource { return bucketFor(c.Stack, l.String("targetBucket")) }
				requireDependency(c, typeBucketLogging, func(l *offline.Resource) bool { return target(l) != nil },
					typeBucket, func(l, b *offline.Resource) bool { return target(l) == b },
					"the target bucket must exist before logging to it is configured")
			},
		}, Constraint{
			Dimension: DimOrder,
			Kind:      OrderOrState,
			URL:       "https://docs.aws.amazon.com/AmazonS3/latest/userguide/troubleshooting-server-access-logging.html",
			Quote:     "The target bucket must exist prior to setting the configuration. This error indicates that the target bucket doesn't exist or can't be found.",
			Error:     "InvalidTargetBucketForLogging",
			Found:     "security configured the trail and Config archives' logging in parallel with their target, the -access bucket (components/securitybaseline)",
		}),
		awsRule(&Rule{
			ID:       "s3-access-log-target-sse-s3-no-object-lock",
			Title:    "Server access logs go to a bucket of the same account and region, encrypted with SSE-S3, without Object Lock",
			Severity: High,
			Reason:   "S3 accepts the configuration and then delivers no log: no record of who read the archive",
			Check: func(c *Checker) {
				for _, l := range c.Stack.ByType(typeBucketLogging) {
					b := bucketFor(c.Stack, l.String("targetBucket"))
					if b == nil {
						continue
					}
					msg := ""
					if b.Bool("objectLockEnabled") {
						msg = fmt.Sprintf("target bucket %s has Object Lock enabled", b.Name)
					}
					for _, lock := range c.Stack.Linked(b, typeBucketLock, "bucket") {
						if set(lock.Get("rule.defaultRetention")) {
							msg = fmt.Sprintf("target bucket %s has a default retention period", b.Name)
						}
					}
					for _, sse := range c.Stack.Linked(b, typeBucketSSE, "bucket") {
						for i := range sse.List("rules") {
							if alg := sse.String(fmt.Sprintf("rules[%d].applyServerSideEncryptionByDefault.sseAlgorithm", i)); alg != "" && alg != "AES256" {
								msg = fmt.Sprintf("target bucket %s encrypts by default with %s, not SSE-S3 (AES256)", b.Name, alg)
							}
						}
					}
					if a, t := c.Stack.providerAccount(l), c.Stack.providerAccount(b); a != t {
						msg = fmt.Sprintf("target bucket %s is in account %s, the logged bucket in %s", b.Name, t, a)
					}
					if a, t := c.Stack.providerRegion(l), c.Stack.providerRegion(b); a != t {
						msg = fmt.Sprintf("target bucket %s is in region %s, the logged bucket in %s", b.Name, t, a)
					}
					c.Judge(l, msg)
				}
			},
		}, Constraint{
			Dimension: DimPrerequisite,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html",
			Quote: "The target bucket must be in the same AWS Region and AWS account as the source bucket, and must not have a default retention period configuration. / " +
				"You can use default bucket encryption on the target bucket only if you use server-side encryption with Amazon S3 managed keys (SSE-S3), which uses the 256-bit Advanced Encryption Standard (AES-256). " +
				"Default server-side encryption with AWS Key Management Service (AWS KMS) keys (SSE-KMS) is not supported. / You can't enable S3 Object Lock on the target bucket.",
		}),
		awsRule(&Rule{
			ID:       "cloudtrail-bucket-policy-admits-every-trail",
			Title:    "The trail bucket's policy lets CloudTrail check the bucket and write under AWSLogs/<account>/ for every trail delivering to it",
			Severity: Critical,
			Reason:   "CloudTrail refuses to create the trail of an account the policy does not admit: that account has no audit trail",
			Check: func(c *Checker) {
				for _, t := range c.Stack.ByType(typeTrail) {
					name := t.String("s3BucketName")
					s, b := auditBucket(c.Stack, name)
					trailARN := auditTrailARN(c.Stack, t)
					if s == nil || trailARN == "" {
						c.Judge(t, "")
						continue
					}
					sts, ok := auditBucketPolicies(s, b)
					if !ok {
						c.Judge(t, fmt.Sprintf("bucket %s (stack %s) has no policy admitting CloudTrail", name, s.Name))
						continue
					}
					account := c.Stack.providerAccount(t)
					orgPrefix := ""
					if t.Bool("isOrganizationTrail") {
						// The owner (the management account) writes its own
						// logs under AWSLogs/<management>/, every member's
						// under AWSLogs/<organization id>/<member>/.
						// Source: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html#org-trail-bucket-policy
						if m := managementAccount(c.Stack); m != "" {
							account = m
						}
						for _, o := range organizations(c.Stack) {
							if id, ok := o.r.Output("id").(string); ok && id != "" {
								orgPrefix = id
							}
						}
					}
					partition := auditPartition(t.String("kmsKeyId"))
					bucketARN := fmt.Sprintf("arn:%s:s3:::%s", partition, name)
					prefix := t.String("s3KeyPrefix")
					if prefix != "" {
						prefix = strings.TrimSuffix(prefix, "/") + "/"
					}
					object := fmt.Sprintf("%s/%sAWSLogs/%s/CloudTrail/%s/log.json.gz", bucketARN, prefix, account, c.Stack.providerRegion(t))
					context := map[string]string{"aws:SourceArn": trailARN, "aws:SourceAccount": account}
					put := map[string]string{"aws:SourceArn": trailARN, "aws:SourceAccount": account, "s3:x-amz-acl": "bucket-owner-full-control"}
					msg := ""
					switch {
					case !auditServiceAllows(sts, "cloudtrail.amazonaws.com", "s3:GetBucketAcl", bucketARN, context):
						msg = fmt.Sprintf("the policy of bucket %s (stack %s) does not let trail %s check the bucket's ACL", name, s.Name, trailARN)
					case !auditServiceAllows(sts, "cloudtrail.amazonaws.com", "s3:PutObject", object, put):
						msg = fmt.Sprintf("the policy of bucket %s (stack %s) does not let trail %s write under %sAWSLogs/%s/", name, s.Name, trailARN, prefix, account)
					case orgPrefix != "" && !auditServiceAllows(sts, "cloudtrail.amazonaws.com", "s3:PutObject",
						fmt.Sprintf("%s/%sAWSLogs/%s/%s/CloudTrail/%s/log.json.gz", bucketARN, prefix, orgPrefix, c.Stack.providerAccount(t), c.Stack.providerRegion(t)), put):
						msg = fmt.Sprintf("the policy of bucket %s (stack %s) does not let organization trail %s write under %sAWSLogs/%s/", name, s.Name, trailARN, prefix, orgPrefix)
					}
					c.Judge(t, msg)
				}
			},
		}, Constraint{
			Dimension: DimPolicy,
			Kind:      CrossStack,
			URL:       "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-set-bucket-policy-for-multiple-accounts.html",
			Quote:     "For a bucket to receive log files from multiple accounts, its bucket policy must grant CloudTrail permission to write log files from all the accounts you specify.",
			Error:     "InsufficientS3BucketPolicyException",
		}),
		awsRule(&Rule{
			ID:       "cloudtrail-after-bucket-policy",
			Title:    "A trail is created after the policy of its bucket exists: in the bucket's stack it waits for it, elsewhere that stack is deployed first",
			Severity: Critical,
			Reason:   "CloudTrail checks the bucket policy when it creates the trail and refuses it: the first pulumi up fails",
			Check: func(c *Checker) {
				for _, t := range c.Stack.ByType(typeTrail) {
					s, b := auditBucket(c.Stack, t.String("s3BucketName"))
					if s == nil {
						c.Judge(t, "")
						continue
					}
					policies := s.Linked(b, typeBucketPolicy, "bucket")
					msg := ""
					switch {
					case len(policies) == 0:
						msg = fmt.Sprintf("bucket %s (stack %s) has no policy", b.Name, s.Name)
					case s == c.Stack:
						waits := false
						for _, p := range policies {
							waits = waits || c.Stack.DependsOn(t, p)
						}
						msg = unless(waits, fmt.Sprintf("is not ordered after the policy of bucket %s", b.Name))
					case !c.Stack.Before(s.Name, c.Stack.Name):
						msg = fmt.Sprintf("the policy of its bucket is in stack %s, which is not deployed before %s", s.Name, c.Stack.Name)
					}
					c.Judge(t, msg)
				}
			},
		}, Constraint{
			Dimension: DimOrder,
			Kind:      OrderOrState,
			URL:       "https://docs.aws.amazon.com/botocore/latest/reference/services/cloudtrail/client/exceptions/InsufficientS3BucketPolicyException.html",
			Quote:     "This exception is thrown when the policy on the S3 bucket is not sufficient.",
			Error:     "InsufficientS3BucketPolicyException",
		}),
		awsRule(&Rule{
			ID:       "config-channel-and-rules-after-recorder",
			Title:    "AWS Config's delivery channel and rules are created after the configuration recorder",
			Severity: Critical,
			Reason:   "AWS Config refuses a delivery channel or a rule in a region without a recorder: the first pulumi up fails",
			Check: func(c *Checker) {
				for _, typ := range []string{typeDeliveryChannel, auditTypeConfigRule} {
					requireDependency(c, typ, nil, typeRecorder, func(r, rec *offline.Resource) bool {
						return c.Stack.providerAccount(r) == c.Stack.providerAccount(rec) && c.Stack.providerRegion(r) == c.Stack.providerRegion(rec)
					}, "AWS Config needs the recorder of the account and region first")
				}
			},
		}, Constraint{
			Dimension: DimOrder,
			Kind:      OrderOrState,
			URL:       "https://docs.aws.amazon.com/botocore/latest/reference/services/config/client/exceptions/NoAvailableConfigurationRecorderException.html",
			Quote:     "There are no customer managed configuration recorders available to record your resources. Use the PutConfigurationRecorder operation to create the customer managed configuration recorder.",
			Error:     "NoAvailableConfigurationRecorderException",
		}),
		awsRule(&Rule{
			ID:       "config-recorder-started-after-delivery-channel",
			Title:    "AWS Config's recorder is started after the delivery channel exists",
			Severity: Critical,
			Reason:   "AWS Config refuses to start recording without a delivery channel: the first pulumi up fails",
			Check: func(c *Checker) {
				requireDependency(c, typeRecorderStatus, func(r *offline.Resource) bool { return r.Bool("isEnabled") }, typeDeliveryChannel, func(r, ch *offline.Resource) bool {
					return c.Stack.providerAccount(r) == c.Stack.providerAccount(ch) && c.Stack.providerRegion(r) == c.Stack.providerRegion(ch)
				}, "a recorder starts only with a delivery channel")
			},
		}, Constraint{
			Dimension: DimOrder,
			Kind:      OrderOrState,
			URL:       "https://docs.aws.amazon.com/goto/WebAPI/config/StartConfigurationRecorder",
			Quote:     "You must have created a delivery channel to successfully start the customer managed configuration recorder. You can use the PutDeliveryChannel operation to create a delivery channel.",
			Error:     "NoAvailableDeliveryChannelException",
		}),
		awsRule(&Rule{
			ID:       "cloudtrail-kms-key-same-region-as-bucket",
			Title:    "A trail's KMS key is in the region of the bucket receiving its logs",
			Severity: Critical,
			Reason:   "CloudTrail refuses the trail: the account has no audit trail",
			Check: func(c *Checker) {
				for _, t := range c.Stack.ByType(typeTrail) {
					keyRegion := netARNPart(t.String("kmsKeyId"), 3)
					s, b := auditBucket(c.Stack, t.String("s3BucketName"))
					if keyRegion == "" || s == nil || s.providerRegion(b) == "" {
						c.Judge(t, "")
						continue
					}
					bucketRegion := s.providerRegion(b)
					c.Judge(t, unless(keyRegion == bucketRegion, fmt.Sprintf("its key is in %s, its bucket %s (stack %s) in %s", keyRegion, b.Name, s.Name, bucketRegion)))
				}
			},
		}, Constraint{
			Dimension: DimArguments,
			Kind:      CrossStack,
			URL:       "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/encrypting-cloudtrail-log-files-with-aws-kms.html",
			Quote:     "The KMS key that you choose must be created in the same AWS Region as the Amazon S3 bucket that receives your log files.",
			Error:     "KmsException",
		}),
		awsRule(&Rule{
			ID:       "iam-policy-size-quotas",
			Title:    "IAM policies stay within IAM's size quotas: trust 2,048, a role's inline policies 10,240, a group's 5,120, a user's 2,048, a managed policy 6,144 characters (white space not counted)",
			Severity: Critical,
			Reason:   "IAM refuses the policy (LimitExceeded): the first pulumi up fails on it",
			Check: func(c *Checker) {
				over := func(what string, size, quota int) string {
					return unless(size <= quota, fmt.Sprintf("%s is %d characters without white space, over IAM's %d", what, size, quota))
				}
				for _, r := range c.Stack.ByType(typeRole) {
					msg := ""
					if trust, ok := r.Get("assumeRolePolicy").(string); ok {
						msg = over("the trust policy", auditPolicySize(trust), auditTrustQuota)
					}
					if msg == "" {
						msg = over("the aggregate of the inline policies", auditInlineSize(c.Stack, r, typeRolePolicy, "role"), auditRoleInlineQuota)
					}
					c.Judge(r, msg)
				}
				for _, g := range c.Stack.ByType(auditTypeGroup) {
					c.Judge(g, over("the aggregate of the inline policies", auditInlineSize(c.Stack, g, typeGroupPolicy, "group"), auditGroupQuota))
				}
				for _, u := range c.Stack.ByType(typeUser) {
					c.Judge(u, over("the aggregate of the inline policies", auditInlineSize(c.Stack, u, typeUserPolicy, "user"), auditUserQuota))
				}
				for _, p := range c.Stack.ByType(typeIAMPolicy) {
					if doc, ok := p.Get("policy").(string); ok {
						c.Judge(p, over("the managed policy", auditPolicySize(doc), auditManagedQuota))
					}
				}
			},
		}, Constraint{
			Dimension: DimArguments,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html",
			Quote: "You can add as many inline policies as you want to an IAM user, role, or group. But the total aggregate policy size (the sum size of all inline policies) per entity cannot exceed the following quotas / " +
				"IAM does not count white space when calculating the size of a policy against these quotas.",
			Error: "LimitExceeded",
		}),
		awsRule(&Rule{
			ID:       "config-bucket-no-object-lock-default-retention",
			Title:    "AWS Config delivers to a bucket without an Object Lock default retention",
			Severity: High,
			Reason:   "AWS Config does not deliver there: no configuration history or snapshot reaches the archive",
			Check: func(c *Checker) {
				for _, ch := range c.Stack.ByType(typeDeliveryChannel) {
					s, b := auditBucket(c.Stack, ch.String("s3BucketName"))
					if s == nil {
						c.Judge(ch, "")
						continue
					}
					msg := ""
					for _, lock := range s.Linked(b, typeBucketLock, "bucket") {
						if set(lock.Get("rule.defaultRetention")) {
							msg = fmt.Sprintf("bucket %s (stack %s) has an Object Lock default retention", b.Name, s.Name)
						}
					}
					c.Judge(ch, msg)
				}
			},
		}, Constraint{
			Dimension: DimPrerequisite,
			Kind:      CrossStack,
			URL:       "https://docs.aws.amazon.com/config/latest/developerguide/manage-delivery-channel.html",
			Quote:     "AWS Config does not support the delivery channel to an Amazon S3 bucket where object lock is enabled with default rentention enabled.",
		}),
		awsRule(&Rule{
			ID:       "config-bucket-policy-admits-config",
			Title:    "The bucket of a delivery channel lets AWS Config check it and write under AWSLogs/<account>/Config/ for every account recording with the service-linked role",
			Severity: Critical,
			Reason:   "AWS Config refuses the delivery channel of an account the policy does not admit: that account's configuration is not archived",
			Check: func(c *Checker) {
				if !auditConfigSLR(c.Stack) {
					return
				}
				for _, ch := range c.Stack.ByType(typeDeliveryChannel) {
					name := ch.String("s3BucketName")
					s, b := auditBucket(c.Stack, name)
					account := c.Stack.providerAccount(ch)
					if s == nil || account == "" {
						c.Judge(ch, "")
						continue
					}
					sts, ok := auditBucketPolicies(s, b)
					if !ok {
						c.Judge(ch, fmt.Sprintf("bucket %s (stack %s) has no policy admitting AWS Config", name, s.Name))
						continue
					}
					bucketARN := fmt.Sprintf("arn:%s:s3:::%s", auditPartition(ch.String("s3KmsKeyArn")), name)
					prefix := ch.String("s3KeyPrefix")
					if prefix != "" {
						prefix = strings.TrimSuffix(prefix, "/") + "/"
					}
					object := fmt.Sprintf("%s/%sAWSLogs/%s/Config/%s/snapshot.json.gz", bucketARN, prefix, account, c.Stack.providerRegion(ch))
					context := map[string]string{"aws:SourceAccount": account}
					put := map[string]string{"aws:SourceAccount": account, "s3:x-amz-acl": "bucket-owner-full-control"}
					msg := ""
					for _, action := range []string{"s3:GetBucketAcl", "s3:ListBucket"} {
						if !auditServiceAllows(sts, "config.amazonaws.com", action, bucketARN, context) {
							msg = fmt.Sprintf("the policy of bucket %s (stack %s) does not let AWS Config of account %s %s", name, s.Name, account, action)
						}
					}
					if msg == "" && !auditServiceAllows(sts, "config.amazonaws.com", "s3:PutObject", object, put) {
						msg = fmt.Sprintf("the policy of bucket %s (stack %s) does not let AWS Config of account %s write under %sAWSLogs/%s/Config/", name, s.Name, account, prefix, account)
					}
					c.Judge(ch, msg)
				}
			},
		}, Constraint{
			Dimension: DimPolicy,
			Kind:      CrossStack,
			URL:       "https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-policy.html",
			Quote: "The AWS Config service-linked role does not have permission to put objects to Amazon S3 buckets. " +
				"So, if you set up AWS Config using a service-linked role, AWS Config will send configuration items as the AWS Config service principal instead.",
			Error: "InsufficientDeliveryPolicyException",
		}),
		awsRule(&Rule{
			ID:       "config-delivery-key-admits-config",
			Title:    "The KMS key of a delivery channel lets the AWS Config service principal decrypt and generate data keys",
			Severity: High,
			Reason:   "AWS Config's deliveries fail: no configuration history or snapshot reaches the archive",
			Check: func(c *Checker) {
				if !auditConfigSLR(c.Stack) {
					return
				}
				for _, ch := range c.Stack.ByType(typeDeliveryChannel) {
					key := c.Stack.keyByARN(ch.String("s3KmsKeyArn"))
					if key == nil {
						c.Judge(ch, "")
						continue
					}
					sts, ok := statements(key, "policy")
					if !ok {
						c.Judge(ch, "")
						continue
					}
					context := map[string]string{"aws:SourceAccount": c.Stack.providerAccount(ch)}
					c.Judge(ch, unless(auditServiceAllows(sts, "config.amazonaws.com", "kms:Decrypt", "", context) &&
						auditServiceAllows(sts, "config.amazonaws.com", "kms:GenerateDataKey", "", context),
						fmt.Sprintf("the policy of key %s does not let config.amazonaws.com kms:Decrypt and kms:GenerateDataKey", key.Name)))
				}
			},
		}, Constraint{
			Dimension: DimPolicy,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/config/latest/developerguide/s3-kms-key-policy.html",
			Quote: "The AWS Config service-linked role does not have permission to access the AWS KMS key. " +
				"So, if you set up AWS Config using a service-linked role, AWS Config will send information as the AWS Config service principal instead.",
		}),
		awsRule(&Rule{
			ID:       "cloudtrail-key-policy-admits-trail",
			Title:    "A trail's KMS key lets CloudTrail generate data keys and describe the key for that trail",
			Severity: Critical,
			Reason:   "CloudTrail refuses the trail: the account has no audit trail",
			Check: func(c *Checker) {
				for _, t := range c.Stack.ByType(typeTrail) {
					key := c.Stack.keyByARN(t.String("kmsKeyId"))
					trailARN := auditTrailARN(c.Stack, t)
					if key == nil || trailARN == "" {
						c.Judge(t, "")
						continue
					}
					sts, ok := statements(key, "policy")
					if !ok {
						c.Judge(t, "")
						continue
					}
					encrypt := map[string]string{"aws:SourceArn": trailARN, "kms:EncryptionContext:aws:cloudtrail:arn": trailARN}
					describe := map[string]string{"aws:SourceArn": trailARN}
					msg := ""
					switch {
					case !auditServiceAllows(sts, "cloudtrail.amazonaws.com", "kms:GenerateDataKey", "", encrypt):
						msg = fmt.Sprintf("the policy of key %s does not let CloudTrail generate data keys for %s", key.Name, trailARN)
					case !auditServiceAllows(sts, "cloudtrail.amazonaws.com", "kms:DescribeKey", "", describe):
						msg = fmt.Sprintf("the policy of key %s does not let CloudTrail describe it for %s", key.Name, trailARN)
					}
					c.Judge(t, msg)
				}
			},
		}, Constraint{
			Dimension: DimPolicy,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html",
			Quote:     "The value of aws:SourceArn is always the trail ARN (or array of trail ARNs) that is using the KMS key.",
			Error:     "InsufficientEncryptionPolicyException",
		}),
		awsRule(&Rule{
			ID:       "log-group-key-admits-regional-logs-principal",
			Title:    "The KMS key of an encrypted log group lets CloudWatch Logs of the group's region use it for that group",
			Severity: Critical,
			Reason:   "CloudWatch Logs refuses to create the log group with the key: the first pulumi up fails",
			Check: func(c *Checker) {
				for _, g := range c.Stack.ByType(typeLogGroup) {
					keyARN := g.String("kmsKeyId")
					key := c.Stack.keyByARN(keyARN)
					if key == nil {
						continue
					}
					sts, ok := statements(key, "policy")
					if !ok {
						c.Judge(g, "")
						continue
					}
					region, account := c.Stack.providerRegion(g), c.Stack.providerAccount(g)
					if region == "" {
						region = netARNPart(keyARN, 3)
					}
					if account == "" {
						account = netARNPart(keyARN, 4)
					}
					name := g.String("name")
					if name == "" {
						name = str(g.Output("name"))
					}
					context := map[string]string{}
					if name != "" {
						context["kms:EncryptionContext:aws:logs:arn"] = fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s", auditPartition(keyARN), region, account, name)
					}
					principal := fmt.Sprintf("logs.%s.amazonaws.com", region)
					msg := ""
					for _, action := range []string{"kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:GenerateDataKey", "kms:DescribeKey"} {
						if !auditServiceAllows(sts, principal, action, "", context) {
							msg = fmt.Sprintf("the policy of key %s does not let %s %s for this group", key.Name, principal, action)
							break
						}
					}
					c.Judge(g, msg)
				}
			},
		}, Constraint{
			Dimension: DimPolicy,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html",
			Quote:     "With this step, you give the CloudWatch service principal permission to use the CMK. This service principal must be in the same region as where the CMK is stored.",
			Error:     "AccessDeniedException",
		}),
		awsRule(&Rule{
			ID:       "s3-bucket-owner-enforced-acl-condition",
			Title:    "A bucket with ACLs disabled requires no canned ACL but bucket-owner-full-control of its writers",
			Severity: High,
			Reason:   "S3 refuses every write with another ACL (AccessControlListNotSupported): the service writing there delivers nothing",
			Check: func(c *Checker) {
				for _, p := range c.Stack.ByType(typeBucketPolicy) {
					enforced := false
					for _, o := range c.Stack.ByType(typeBucketOwnership) {
						if o.Get("bucket") == p.Get("bucket") && o.String("rule.objectOwnership") == "BucketOwnerEnforced" {
							enforced = true
						}
					}
					sts, ok := statements(p, "policy")
					if !enforced || !ok {
						continue
					}
					msg := ""
					for _, st := range sts {
						if st.effect() != "Allow" {
							continue
						}
						conds, _ := st["Condition"].(map[string]any)
						for _, byKey := range conds {
							m, _ := byKey.(map[string]any)
							for k, v := range m {
								if !strings.EqualFold(k, "s3:x-amz-acl") {
									continue
								}
								for _, acl := range list(v) {
									if acl != "bucket-owner-full-control" {
										msg = fmt.Sprintf("statement %v requires the ACL %s, which a bucket with ACLs disabled refuses", st["Sid"], acl)
									}
								}
							}
						}
					}
					c.Judge(p, msg)
				}
			},
		}, Constraint{
			Dimension: DimArguments,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html",
			Quote: "After you disable ACLs, your bucket accepts only PUT requests that do not specify an ACL or PUT requests with bucket owner full control ACLs, " +
				"such as the bucket-owner-full-control canned ACL or equivalent forms of this ACL expressed in XML.",
			Error: "AccessControlListNotSupported",
		}),
	}
}
