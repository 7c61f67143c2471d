package policies

import (
	"fmt"
	"slices"
	"strings"

	"github.com/refarch/refarch/offline"
)

// Encryption and storage rules: KMS keys, S3 buckets, topics, queues,
// secrets, log groups, repositories and certificates. FSBP controls:
// https://docs.aws.amazon.com/securityhub/latest/userguide/kms-controls.html,
// https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html.

const (
	typeKey             = "aws:kms/key:Key"
	typeBucket          = "aws:s3/bucketV2:BucketV2"
	typeBucketPAB       = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
	typeAccountPAB      = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"
	typeBucketPolicy    = "aws:s3/bucketPolicy:BucketPolicy"
	typeBucketSSE       = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
	typeBucketOwnership = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
	typeBucketVersion   = "aws:s3/bucketVersioningV2:BucketVersioningV2"
	typeBucketLifecycle = "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"
	typeBucketLogging   = "aws:s3/bucketLoggingV2:BucketLoggingV2"
	typeBucketLock      = "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2"
	typeTopic           = "aws:sns/topic:Topic"
	typeTopicPolicy     = "aws:sns/topicPolicy:TopicPolicy"
	typeQueue           = "aws:sqs/queue:Queue"
	typeSecret          = "aws:secretsmanager/secret:Secret"
	typeLogGroup        = "aws:cloudwatch/logGroup:LogGroup"
	typeRepository      = "aws:ecr/repository:Repository"
	typeRepoPolicy      = "aws:ecr/repositoryPolicy:RepositoryPolicy"
	typeCertificate     = "aws:acm/certificate:Certificate"
	typeTrail           = "aws:cloudtrail/trail:Trail"
	typeDeliveryChannel = "aws:cfg/deliveryChannel:DeliveryChannel"
	typeDistribution    = "aws:cloudfront/distribution:Distribution"
)

// bucketID is a bucket's name: the id the engine gave it, or its `bucket`
// input.
func bucketID(b *offline.Resource) string {
	if b.ID != "" {
		return b.ID
	}
	return b.String("bucket")
}

// bucketFor returns the stack's bucket named name (or whose S3 domain name
// is name), or nil.
func bucketFor(s *Stack, name string) *offline.Resource {
	if name == "" {
		return nil
	}
	for _, b := range s.ByType(typeBucket) {
		id := bucketID(b)
		if id != "" && (name == id || strings.HasPrefix(name, id+".s3")) {
			return b
		}
	}
	return nil
}

// logBuckets are the buckets that receive logs: access logs of buckets and
// load balancers, CloudFront's standard logs, CloudTrail and Config.
func logBuckets(s *Stack) map[*offline.Resource]string {
	out := map[*offline.Resource]string{}
	add := func(name, what string) {
		if b := bucketFor(s, name); b != nil {
			out[b] = what
		}
	}
	for _, l := range s.ByType(typeBucketLogging) {
		add(l.String("targetBucket"), "S3 access logs")
	}
	for _, lb := range s.ByType(typeLoadBalancer) {
		add(lb.String("accessLogs.bucket"), "load balancer access logs")
	}
	for _, d := range s.ByType(typeDistribution) {
		add(d.String("loggingConfig.bucket"), "CloudFront standard logs")
	}
	for _, t := range s.ByType(typeTrail) {
		add(t.String("s3BucketName"), "CloudTrail")
	}
	for _, ch := range s.ByType(typeDeliveryChannel) {
		add(ch.String("s3BucketName"), "AWS Config")
	}
	return out
}

// auditArchives are the buckets CloudTrail or Config deliver to.
func auditArchives(s *Stack) []*offline.Resource {
	var out []*offline.Resource
	for b, what := range logBuckets(s) {
		if what == "CloudTrail" || what == "AWS Config" {
			out = append(out, b)
		}
	}
	return out
}

// cdnOrigins are the buckets a CloudFront distribution serves.
func cdnOrigins(s *Stack) []*offline.Resource {
	var out []*offline.Resource
	for _, d := range s.ByType(typeDistribution) {
		for i := range d.List("origins") {
			if b := bucketFor(s, d.String(fmt.Sprintf("origins[%d].domainName", i))); b != nil {
				out = append(out, b)
			}
		}
	}
	return out
}

// eachBucket judges every bucket by its companions of type typ.
func eachBucket(c *Checker, typ string, judge func(b *offline.Resource, companions []*offline.Resource) string) {
	for _, b := range c.Stack.ByType(typeBucket) {
		c.Judge(b, judge(b, c.Stack.Linked(b, typ, "bucket")))
	}
}

// publicPolicy fails a resource policy that allows everyone without a
// condition.
var publicPolicy = byStatement("policy", func(st statement) string {
	return unless(!st.allowsEveryone(), fmt.Sprintf("statement %v allows everyone without a condition", st["Sid"]))
})

var encryptionRules = []*Rule{
	{
		ID: "kms-key-rotation", Area: Encryption, Severity: Medium,
		Title:    "Every symmetric KMS key rotates its key material yearly",
		Controls: []string{"CIS 3.6", "FSBP KMS.4"},
		Reason:   "limits what one compromised key version decrypts",
		Check: func(c *Checker) {
			c.Each(func(r *offline.Resource) string {
				if spec := r.String("customerMasterKeySpec"); spec != "" && spec != "SYMMETRIC_DEFAULT" {
					return ""
				}
				if !r.Bool("enableKeyRotation") {
					return "enableKeyRotation is not true"
				}
				return ""
			}, typeKey)
		},
	},
	{
		ID: "kms-key-deletion-window", Area: Encryption, Severity: High,
		Title:        "KMS keys wait the longest window, 30 days, before deletion",
		Controls:     []string{"FSBP KMS.3"},
		Reason:       "a key scheduled for deletion by mistake can be cancelled for 30 days; after it, its data is lost",
		Environments: "dev keys may use a 7-day window (refarch:deletionProtection false)",
		SkipIn:       []string{"dev"},
		Check: func(c *Checker) {
			c.Each(func(r *offline.Resource) string {
				if d := r.Int("deletionWindowInDays"); d != 0 && d < 30 {
					return fmt.Sprintf("deletionWindowInDays is %d", d)
				}
				return ""
			}, typeKey)
		},
	},
	{
		ID: "kms-key-policy-not-public", Area: Encryption, Severity: Critical,
		Title:    "No key policy allows everyone without a condition",
		Controls: []string{"refarch"},
		Reason:   "AWS Config's kms-key-policy-no-public-access (https://docs.aws.amazon.com/config/latest/developerguide/kms-key-policy-no-public-access.html)",
		Check:    func(c *Checker) { c.Each(publicPolicy, typeKey) },
	},
	{
		ID: "s3-bucket-public-access-block", Area: Encryption, Severity: Critical,
		Title:    "Every bucket has a public access block with all four settings on",
		Controls: []string{"CIS 2.1.4", "FSBP S3.8"},
		Reason:   "no ACL or policy can make the bucket public, whatever a later change writes",
		Check: func(c *Checker) {
			eachBucket(c, typeBucketPAB, func(_ *offline.Resource, pabs []*offline.Resource) string {
				if len(pabs) == 0 {
					return "no public access block"
				}
				for _, p := range pabs {
					for _, k := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
						if !p.Bool(k) {
							return k + " is not true"
						}
					}
				}
				return ""
			})
		},
	},
	{
		ID: "s3-account-public-access-block", Area: Encryption, Severity: High,
		Title:    "The account blocks public access to S3 for every bucket",
		Controls: []string{"FSBP S3.1"},
		Reason:   "covers buckets created outside this program too",
		Check: func(c *Checker) {
			c.Require(typeAccountPAB, func(r *offline.Resource) bool {
				return r.Bool("blockPublicAcls") && r.Bool("blockPublicPolicy") && r.Bool("ignorePublicAcls") && r.Bool("restrictPublicBuckets")
			}, "no account-level S3 public access block with all four settings")
		},
	},
	{
		ID: "s3-deny-insecure-transport", Area: Encryption, Severity: High,
		Title:    "Every bucket policy denies requests without TLS (aws:SecureTransport false)",
		Controls: []string{"CIS 2.1.1", "FSBP S3.5"},
		Reason:   "encryption in transit end to end",
		Check: func(c *Checker) {
			eachBucket(c, typeBucketPolicy, func(_ *offline.Resource, policies []*offline.Resource) string {
				if len(policies) == 0 {
					return "no bucket policy"
				}
				for _, p := range policies {
					sts, ok := statements(p, "policy")
					if !ok {
						return ""
					}
					for _, st := range sts {
						if st.effect() == "Deny" && slices.Contains(st.condition("Bool", "aws:SecureTransport"), "false") {
							return ""
						}
					}
				}
				return "the bucket policy does not deny aws:SecureTransport false"
			})
		},
	},
	{
		ID: "s3-bucket-policy-not-public", Area: Encryption, Severity: Critical,
		Title:    "No bucket policy allows everyone without a condition",
		Controls: []string{"FSBP S3.2", "FSBP S3.3"},
		Reason:   "public read and write are prohibited; CloudFront reads through its origin access control, conditioned on the distribution",
		Check:    func(c *Checker) { c.Each(publicPolicy, typeBucketPolicy) },
	},
	{
		ID: "s3-default-encryption", Area: Encryption, Severity: Medium,
		Title:    "Every bucket declares its default encryption",
		Controls: []string{"refarch"},
		Reason: "S3 encrypts new objects with SSE-S3 by default since 2023 " +
			"(https://docs.aws.amazon.com/AmazonS3/latest/userguide/default-encryption-faq.html); declaring it keeps the choice reviewable " +
			"(log buckets must stay SSE-S3: load balancers cannot write to SSE-KMS buckets)",
		Check: func(c *Checker) {
			eachBucket(c, typeBucketSSE, func(_ *offline.Resource, sse []*offline.Resource) string {
				if len(sse) == 0 {
					return "no server-side encryption configuration"
				}
				return ""
			})
		},
	},
	{
		ID: "s3-acls-disabled", Area: Encryption, Severity: Medium,
		Title:        "Buckets enforce bucket-owner ownership (ACLs off), except the CDN's standard-log bucket",
		Controls:     []string{"FSBP S3.12"},
		Reason:       "ACLs are a second, easily missed access path",
		Environments: "CloudFront standard logging needs ACLs on its log bucket (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logging-legacy-s3.html)",
		Check: func(c *Checker) {
			cdnLogs := map[*offline.Resource]bool{}
			for b, what := range logBuckets(c.Stack) {
				if what == "CloudFront standard logs" {
					cdnLogs[b] = true
				}
			}
			eachBucket(c, typeBucketOwnership, func(b *offline.Resource, ctl []*offline.Resource) string {
				if len(ctl) == 0 {
					return "no ownership controls"
				}
				for _, o := range ctl {
					own := o.String("rule.objectOwnership")
					allowed := own == "BucketOwnerEnforced" || (cdnLogs[b] && own == "BucketOwnerPreferred")
					if !allowed {
						return "objectOwnership is " + own
					}
				}
				return ""
			})
		},
	},
	{
		ID: "s3-versioning", Area: Encryption, Severity: Medium,
		Title:    "Every bucket keeps versions",
		Controls: []string{"FSBP S3.14"},
		Reason:   "an overwritten or deleted object can be recovered",
		Check: func(c *Checker) {
			eachBucket(c, typeBucketVersion, func(_ *offline.Resource, v []*offline.Resource) string {
				for _, x := range v {
					if s := x.String("versioningConfiguration.status"); s == "Enabled" || !known(x.Get("versioningConfiguration.status")) {
						return ""
					}
				}
				return "versioning is not enabled"
			})
		},
	},
	{
		ID: "s3-lifecycle", Area: Encryption, Severity: Low,
		Title:    "Every bucket has a lifecycle configuration",
		Controls: []string{"FSBP S3.13"},
		Reason:   "old versions and logs expire instead of growing the bill forever",
		Check: func(c *Checker) {
			eachBucket(c, typeBucketLifecycle, func(_ *offline.Resource, l []*offline.Resource) string {
				if len(l) == 0 {
					return "no lifecycle configuration"
				}
				return ""
			})
		},
	},
	{
		ID: "s3-access-logging", Area: Logging, Severity: Medium,
		Title:        "Buckets the internet reads (CDN origins) and audit archives log every access",
		Controls:     []string{"FSBP S3.9", "CIS 3.4"},
		Reason:       "who read the site's assets or the audit trail is itself evidence",
		Environments: "scoped to CDN origins and audit archives; log buckets do not log themselves, and the VPN's PKI bucket relies on CloudTrail",
		Check: func(c *Checker) {
			for _, b := range append(cdnOrigins(c.Stack), auditArchives(c.Stack)...) {
				msg := "no access logging"
				if len(c.Stack.Linked(b, typeBucketLogging, "bucket")) > 0 {
					msg = ""
				}
				c.Judge(b, msg)
			}
		},
	},
	{
		ID: "s3-audit-archive-object-lock", Area: Logging, Severity: High,
		Title:    "The CloudTrail archive locks its objects (write once, read many)",
		Controls: []string{"FSBP S3.15"},
		Reason:   "not even an administrator can erase the trail of what they did",
		Check: func(c *Checker) {
			for b, what := range logBuckets(c.Stack) {
				if what != "CloudTrail" {
					continue
				}
				msg := "no object lock configuration"
				if len(c.Stack.Linked(b, typeBucketLock, "bucket")) > 0 {
					msg = ""
				}
				c.Judge(b, msg)
			}
		},
	},
	{
		ID: "sns-topic-encrypted", Area: Encryption, Severity: Medium,
		Title:    "Every SNS topic is encrypted with a KMS key",
		Controls: []string{"refarch"},
		Reason:   "alerts carry resource names and findings; AWS Config's sns-encrypted-kms (https://docs.aws.amazon.com/config/latest/developerguide/sns-encrypted-kms.html)",
		Check: func(c *Checker) {
			c.Each(needs("kmsMasterKeyId", "no kmsMasterKeyId"), typeTopic)
		},
	},
	{
		ID: "sns-topic-policy-not-public", Area: Encryption, Severity: Critical,
		Title:    "No topic policy allows everyone without a condition",
		Controls: []string{"refarch"},
		Reason:   "AWS Config's sns-topic-no-public-access (https://docs.aws.amazon.com/config/latest/developerguide/sns-topic-no-public-access.html)",
		Check:    func(c *Checker) { c.Each(publicPolicy, typeTopicPolicy) },
	},
	{
		ID: "sqs-queue-encrypted", Area: Encryption, Severity: Medium,
		Title:    "Every SQS queue is encrypted at rest",
		Controls: []string{"FSBP SQS.1"},
		Reason:   "dead-letter queues hold the failed events themselves",
		Check: func(c *Checker) {
			c.Each(func(r *offline.Resource) string {
				if !set(r.Get("kmsMasterKeyId")) && !r.Bool("sqsManagedSseEnabled") {
					return "neither a KMS key nor SQS-managed encryption"
				}
				return ""
			}, typeQueue)
		},
	},
	{
		ID: "secrets-customer-managed-key", Area: Encryption, Severity: Medium,
		Title:    "Secrets are encrypted with a customer managed key and recoverable for 30 days",
		Controls: []string{"refarch"},
		Reason:   "the key policy, not only IAM, decides who reads a secret; a deleted secret can be restored",
		Check: func(c *Checker) {
			c.Each(func(r *offline.Resource) string {
				switch {
				case !set(r.Get("kmsKeyId")):
					return "no kmsKeyId: the AWS managed key is used"
				case r.Has("recoveryWindowInDays") && r.Int("recoveryWindowInDays") < 7:
					return fmt.Sprintf("recoveryWindowInDays is %d", r.Int("recoveryWindowInDays"))
				}
				return ""
			}, typeSecret)
		},
	},
	{
		ID: "log-groups-encrypted", Area: Encryption, Severity: Medium,
		Title:    "Every log group is encrypted with a customer managed key",
		Controls: []string{"refarch"},
		Reason:   "logs hold request data; https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html",
		Check: func(c *Checker) {
			c.Each(needs("kmsKeyId", "no kmsKeyId"), typeLogGroup)
		},
	},
	{
		ID: "ecr-repository-hardened", Area: Compute, Severity: High,
		Title:    "Repositories scan on push, keep tags immutable, expire images and encrypt with KMS",
		Controls: []string{"FSBP ECR.1", "FSBP ECR.2", "FSBP ECR.3"},
		Reason:   "a pushed tag can never be replaced under a running service; vulnerable images are reported",
		Check: func(c *Checker) {
			c.Each(func(r *offline.Resource) string {
				switch {
				case !r.Bool("imageScanningConfiguration.scanOnPush"):
					return "scanOnPush is not true"
				case r.String("imageTagMutability") != "IMMUTABLE":
					return "tags are mutable"
				case r.String("encryptionConfigurations[0].encryptionType") != "KMS":
					return "not encrypted with KMS"
				case len(c.Stack.Linked(r, "aws:ecr/lifecyclePolicy:LifecyclePolicy", "repository")) == 0:
					return "no lifecycle policy"
				}
				return ""
			}, typeRepository)
		},
	},
	{
		ID: "ecr-repository-policy-not-public", Area: Compute, Severity: Critical,
		Title:    "No repository policy allows everyone without a condition",
		Controls: []string{"refarch"},
		Reason:   "images are pulled by the organization's accounts only",
		Check:    func(c *Checker) { c.Each(publicPolicy, typeRepoPolicy) },
	},
	{
		ID: "acm-rsa-2048", Area: Encryption, Severity: Medium,
		Title:    "Certificates use RSA 2048 bits or more, or ECDSA",
		Controls: []string{"FSBP ACM.2"},
		Reason:   "the minimum key length ACM.2 accepts",
		Check: func(c *Checker) {
			c.Each(func(r *offline.Resource) string {
				if a := r.String("keyAlgorithm"); a == "RSA_1024" {
					return "keyAlgorithm is " + a
				}
				return ""
			}, typeCertificate)
		},
	},
}
