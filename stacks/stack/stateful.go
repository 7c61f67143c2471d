package stack

import "slices"

// StatefulTypes are the resource types that hold what a user stores: the
// databases, buckets, keys, log groups, secrets and zones. In prod each is
// protected or retained on delete (tests/engine proves it), and a preview
// that would replace or delete one fails CI (cmd/preview-guard).
var StatefulTypes = []string{
	"aws:rds/instance:Instance",
	"aws:s3/bucketV2:BucketV2",
	"aws:kms/key:Key",
	"aws:cloudwatch/logGroup:LogGroup",
	"aws:secretsmanager/secret:Secret",
	"aws:route53/zone:Zone",
}

// IsStateful reports whether resources of type typ hold data.
func IsStateful(typ string) bool { return slices.Contains(StatefulTypes, typ) }
