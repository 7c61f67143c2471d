package statebackend

import (
	"github.com/refarch/refarch/components/iampolicy"
	"github.com/refarch/refarch/components/keypolicy"
)

// KeyUseActions are what the state's principals may do with the key: the
// Pulumi CLI encrypts and decrypts each stack's data key with it (the
// awskms secrets provider), and S3 generates and decrypts the objects'
// data keys with it on the caller's behalf (SSE-KMS).
// Sources: https://www.pulumi.com/docs/iac/concepts/secrets/#aws-key-management-service-kms,
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html
var KeyUseActions = []string{"kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey"}

// ObjectActions are what the state's principals may do with the objects:
// everything a self-managed backend does (read and write checkpoints,
// history and backups, create and delete lock files, abort an upload that
// failed), nothing that touches a noncurrent version.
var ObjectActions = []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"}

// ReadObjectActions are what the preview roles may do with the objects:
// read checkpoints.
var ReadObjectActions = []string{"s3:GetObject"}

// KeyReadActions are what the preview roles may do with the key: decrypt
// each stack's data key (secrets) and S3's object data keys.
var KeyReadActions = []string{"kms:Decrypt", "kms:DescribeKey"}

// BucketActions are what the state's principals may do with the bucket
// itself: list it (`pulumi stack ls`, lock checks) and find its region.
var BucketActions = []string{"s3:ListBucket", "s3:GetBucketLocation"}

// keyPolicy separates administration (the key administrators, who never
// use the key) from use (the deploy roles and state administrators, in
// any account; the preview roles only decrypt: the key policy is what lets another account's role use the
// key at all, with its own IAM policy allowing it too). There is no
// statement for the account's root, so IAM policies of the bucket's account
// grant nothing on the key.
// Source: https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-modifying-external-accounts.html
func keyPolicy(a StateBackendArgs) (string, error) {
	doc := iampolicy.New(
		keypolicy.Administration(a.KeyAdministrators),
		iampolicy.Statement{
			Sid:       "StateAndSecretsUse",
			Effect:    iampolicy.Allow,
			Principal: iampolicy.Principal{"AWS": a.writers()},
			Action:    KeyUseActions,
			Resource:  []string{"*"},
		},
	)
	doc.Statement = append(doc.Statement, previewAllow(a, "StateAndSecretsRead", KeyReadActions, "*")...)
	return doc.JSON()
}

// bucketPolicy lets the state's principals, and nobody else, list the
// bucket and read its objects, and the writers (not the preview roles)
// write them; refuses every request without TLS;
// and refuses deleting any object version, so history leaves only through
// the lifecycle rule.
//
// The explicit deny is what makes "nobody else" hold inside the bucket's
// own account, whose principals an IAM policy alone would admit; it
// compares aws:PrincipalArn, which for a role's session is the role's ARN.
// Sources: https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html,
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn
func bucketPolicy(a StateBackendArgs, partition string) (string, error) {
	bucket := iampolicy.BucketARN(partition, a.BucketName)
	objects := bucket + "/*"
	readers, writers := a.readers(), a.writers()
	doc := iampolicy.New(
		iampolicy.Statement{
			Sid:       "DenyWithoutTLS",
			Effect:    iampolicy.Deny,
			Principal: iampolicy.Principal{"AWS": {"*"}},
			Action:    []string{"s3:*"},
			Resource:  []string{bucket, objects},
			Condition: iampolicy.Conditions{"Bool": {"aws:SecureTransport": {"false"}}},
		},
		iampolicy.Statement{
			Sid:       "StateList",
			Effect:    iampolicy.Allow,
			Principal: iampolicy.Principal{"AWS": readers},
			Action:    BucketActions,
			Resource:  []string{bucket},
		},
		iampolicy.Statement{
			Sid:       "StateReadWrite",
			Effect:    iampolicy.Allow,
			Principal: iampolicy.Principal{"AWS": writers},
			Action:    ObjectActions,
			Resource:  []string{objects},
		},
	)
	doc.Statement = append(doc.Statement, previewAllow(a, "StateRead", ReadObjectActions, objects)...)
	doc.Statement = append(doc.Statement,
		denyObjectsUnless("DenyStateToEveryoneElse", []string{"s3:GetObject*", "s3:PutObject*", "s3:DeleteObject*"}, objects, readers),
		iampolicy.Statement{
			Sid:       "DenyDeletingVersions",
			Effect:    iampolicy.Deny,
			Principal: iampolicy.Principal{"AWS": {"*"}},
			Action:    []string{"s3:DeleteObjectVersion"},
			Resource:  []string{objects},
		},
	)
	if len(a.PreviewRoleARNs) > 0 {
		// The preview roles pass the first deny; this one keeps them (and
		// anyone their account's IAM policies allow) from writing.
		doc.Statement = append(doc.Statement, denyObjectsUnless("DenyWritesToReaders", []string{"s3:PutObject*", "s3:DeleteObject*"}, objects, writers))
	}
	return doc.JSON()
}

// denyObjectsUnless denies actions on objects to every principal but those
// named, by aws:PrincipalArn.
func denyObjectsUnless(sid string, actions []string, objects string, principals []string) iampolicy.Statement {
	return iampolicy.Statement{
		Sid:       sid,
		Effect:    iampolicy.Deny,
		Principal: iampolicy.Principal{"AWS": {"*"}},
		Action:    actions,
		Resource:  []string{objects},
		Condition: iampolicy.Conditions{"ArnNotEquals": {"aws:PrincipalArn": principals}},
	}
}

// previewAllow allows the preview roles actions on resource: one statement,
// or none without preview roles.
func previewAllow(a StateBackendArgs, sid string, actions []string, resource string) []iampolicy.Statement {
	if len(a.PreviewRoleARNs) == 0 {
		return nil
	}
	return []iampolicy.Statement{{
		Sid:       sid,
		Effect:    iampolicy.Allow,
		Principal: iampolicy.Principal{"AWS": a.PreviewRoleARNs},
		Action:    actions,
		Resource:  []string{resource},
	}}
}
