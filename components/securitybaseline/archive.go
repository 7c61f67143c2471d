package securitybaseline

import (
	"fmt"

	"github.com/refarch/refarch/components/iampolicy"
)

// archive creates the central archive of the organization's audit records
// (Args.Archive, in the security account):
//
//   - the trail bucket (Args.Audit.TrailBucket): Object Lock enabled at
//     creation (Security Hub S3.15), SSE-KMS with this account's logs key,
//     access-logged (CIS 3.4, Security Hub CloudTrail.7 and S3.9); its
//     policy lets each writer's trail, named exactly, check the bucket and
//     write under AWSLogs/<its account>/ only;
//   - the Config bucket (Args.Audit.ConfigBucket), the same without Object
//     Lock, which AWS Config cannot deliver to; its policy lets AWS Config
//     of each writer account write under AWSLogs/<its account>/Config/;
//   - the access-log bucket receiving both buckets' server access logs
//     (SSE-S3: a log-delivery target cannot use SSE-KMS), created first:
//     the other two's logging configurations wait for it and its policy.
//
// All three refuse plain HTTP; the trail and Config buckets refuse object
// deletion to everyone (lifecycle expiry is not subject to bucket policy).
func (b *builder) archive() error {
	ar := b.a.Archive
	trail, cfg := b.a.Audit.TrailBucket, b.a.Audit.ConfigBucket
	accessARN := b.bucketARN(ar.AccessLogBucket)
	access, err := b.bucket(bucketSpec{
		role:       "access-logs",
		name:       ar.AccessLogBucket,
		expireDays: ar.ExpireDays,
		// Source: https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html#grant-log-delivery-permissions-general
		statements: []iampolicy.Statement{{
			Sid:       "S3ServerAccessLogsOfTheArchive",
			Effect:    iampolicy.Allow,
			Principal: iampolicy.Principal{"Service": {"logging.s3.amazonaws.com"}},
			Action:    []string{"s3:PutObject"},
			Resource:  []string{accessARN + "/*"},
			Condition: iampolicy.Conditions{
				"ArnLike":      {"aws:SourceArn": {b.bucketARN(trail), b.bucketARN(cfg)}},
				"StringEquals": {"aws:SourceAccount": {b.a.AccountID}},
			},
		}},
	})
	if err != nil {
		return err
	}
	trailBucket, err := b.bucket(bucketSpec{
		role:       "trail-archive",
		name:       trail,
		objectLock: true,
		lockDays:   ar.LockDays,
		kmsKeyARN:  b.keyARNs[KeyLogs],
		logTo:      ar.AccessLogBucket,
		logTarget:  access,
		expireDays: ar.ExpireDays,
		statements: b.trailBucketStatements(),
	})
	if err != nil {
		return err
	}
	b.trailBucketPolicy = trailBucket.policy
	configBucket, err := b.bucket(bucketSpec{
		role:       "config-archive",
		name:       cfg,
		kmsKeyARN:  b.keyARNs[KeyLogs],
		logTo:      ar.AccessLogBucket,
		logTarget:  access,
		expireDays: ar.ExpireDays,
		statements: b.configBucketStatements(),
	})
	if err != nil {
		return err
	}
	b.configBucketPolicy = configBucket.policy
	return nil
}

// trailBucketStatements admit exactly the writers' trails: each may write
// only under its own account's prefix.
// Sources: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html,
// https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-set-bucket-policy-for-multiple-accounts.html
func (b *builder) trailBucketStatements() []iampolicy.Statement {
	bucket := b.bucketARN(b.a.Audit.TrailBucket)
	cloudtrail := iampolicy.Principal{"Service": {"cloudtrail.amazonaws.com"}}
	var trails []string
	for _, w := range b.a.Archive.Writers {
		trails = append(trails, b.writerTrailARN(w))
	}
	if b.org != nil {
		trails = append(trails, b.organizationTrailARN())
	}
	out := []iampolicy.Statement{{
		Sid:       "CloudTrailAclCheck",
		Effect:    iampolicy.Allow,
		Principal: cloudtrail,
		Action:    []string{"s3:GetBucketAcl"},
		Resource:  []string{bucket},
		Condition: iampolicy.Conditions{"StringEquals": {"aws:SourceArn": trails}},
	}}
	for _, w := range b.a.Archive.Writers {
		out = append(out, iampolicy.Statement{
			Sid:       "CloudTrailWrite" + w.AccountID,
			Effect:    iampolicy.Allow,
			Principal: cloudtrail,
			Action:    []string{"s3:PutObject"},
			Resource:  []string{fmt.Sprintf("%s/AWSLogs/%s/*", bucket, w.AccountID)},
			Condition: iampolicy.Conditions{"StringEquals": {
				"s3:x-amz-acl":  {"bucket-owner-full-control"},
				"aws:SourceArn": {b.writerTrailARN(w)},
			}},
		})
	}
	if b.org != nil {
		// The organization trail writes the management account's logs
		// under AWSLogs/<management account>/ and every member's under
		// AWSLogs/<organization id>/.
		// Source: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html#org-trail-bucket-policy
		out = append(out, iampolicy.Statement{
			Sid:       "CloudTrailWriteOrganization",
			Effect:    iampolicy.Allow,
			Principal: cloudtrail,
			Action:    []string{"s3:PutObject"},
			Resource: []string{
				fmt.Sprintf("%s/AWSLogs/%s/*", bucket, b.org.managementAccountID),
				fmt.Sprintf("%s/AWSLogs/%s/*", bucket, b.org.id),
			},
			Condition: iampolicy.Conditions{"StringEquals": {
				"s3:x-amz-acl":  {"bucket-owner-full-control"},
				"aws:SourceArn": {b.organizationTrailARN()},
			}},
		})
	}
	return append(out, denyDeletion(bucket))
}

// configBucketStatements admit AWS Config of exactly the writer accounts:
// each may write only under its own account's prefix.
// Source: https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-policy.html
func (b *builder) configBucketStatements() []iampolicy.Statement {
	bucket := b.bucketARN(b.a.Audit.ConfigBucket)
	config := iampolicy.Principal{"Service": {"config.amazonaws.com"}}
	var accounts []string
	for _, w := range b.a.Archive.Writers {
		accounts = append(accounts, w.AccountID)
	}
	out := []iampolicy.Statement{
		{
			Sid:       "ConfigAclCheck",
			Effect:    iampolicy.Allow,
			Principal: config,
			Action:    []string{"s3:GetBucketAcl", "s3:ListBucket"},
			Resource:  []string{bucket},
			Condition: iampolicy.Conditions{"StringEquals": {"aws:SourceAccount": accounts}},
		},
	}
	for _, account := range accounts {
		out = append(out, iampolicy.Statement{
			Sid:       "ConfigWrite" + account,
			Effect:    iampolicy.Allow,
			Principal: config,
			Action:    []string{"s3:PutObject"},
			Resource:  []string{fmt.Sprintf("%s/AWSLogs/%s/Config/*", bucket, account)},
			Condition: iampolicy.Conditions{"StringEquals": {
				"s3:x-amz-acl":      {"bucket-owner-full-control"},
				"aws:SourceAccount": {account},
			}},
		})
	}
	return append(out, denyDeletion(bucket))
}

// denyDeletion refuses deleting archived objects or versions to everyone:
// audit records leave the archive only by lifecycle expiry.
func denyDeletion(bucketARN string) iampolicy.Statement {
	return iampolicy.Statement{
		Sid:       "DenyDeletingAuditRecords",
		Effect:    iampolicy.Deny,
		Principal: iampolicy.Principal{"AWS": {"*"}},
		Action:    []string{"s3:DeleteObject", "s3:DeleteObjectVersion"},
		Resource:  []string{bucketARN + "/*"},
	}
}

func (b *builder) bucketARN(name string) string {
	return iampolicy.BucketARN(b.a.Partition, name)
}

// writerTrailARN is the ARN of a writer's trail. Every writer's trail lives
// in the archive's region: CloudTrail requires the trail's KMS key, which
// the writer creates in its home region, in the bucket's region.
// Source: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/encrypting-cloudtrail-log-files-with-aws-kms.html
func (b *builder) writerTrailARN(w Writer) string {
	return fmt.Sprintf("arn:%s:cloudtrail:%s:%s:trail/%s", b.a.Partition, b.a.Region, w.AccountID, w.TrailName)
}
