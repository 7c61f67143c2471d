package plandiff

import (
	"slices"
	"strconv"
	"strings"

	"github.com/refarch/refarch/offline"
)

// forceNewType lists the inputs of one resource type whose change makes the
// provider replace the resource.
type forceNewType struct {
	// terraform is the Terraform resource pulumi-aws bridges.
	terraform string
	// doc is its page in the Terraform registry.
	doc   string
	rules []forceNewRule
}

type forceNewRule struct {
	// path is the input's Pulumi property path.
	path string
	// when, if set, limits the rule to the changes it accepts, for
	// condition.
	when      func(old, new *offline.Resource) bool
	condition string
}

// forceNew is the table of force-new inputs for the types that hold data
// (stack.StatefulTypes, protected in prod) and the cache cluster, by Pulumi
// type token. pulumi-aws v6 bridges the Terraform AWS provider, so a
// property the Terraform schema marks ForceNew (or a CustomizeDiff forces
// new) replaces the Pulumi resource; the Go SDK's doc comments rarely say
// so. The entries were read from the provider's schema source and checked
// against the registry pages:
//
//   - aws_db_instance: internal/service/rds/instance.go, https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/db_instance
//     (db_subnet_group_name is not ForceNew: RDS moves an instance to
//     another subnet group in place; availability_zone is ForceNew whether
//     or not the instance is Multi-AZ, it is simply unset on Multi-AZ ones)
//   - aws_s3_bucket: internal/service/s3/bucket.go, https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/s3_bucket
//   - aws_kms_key: internal/service/kms/key.go, https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/kms_key
//   - aws_cloudwatch_log_group: internal/service/logs/group.go, https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/cloudwatch_log_group
//   - aws_secretsmanager_secret: internal/service/secretsmanager/secret.go, https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/secretsmanager_secret
//   - aws_route53_zone: internal/service/route53/zone.go, https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/route53_zone
//   - aws_elasticache_cluster: internal/service/elasticache/cluster.go, https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/elasticache_cluster
//     (node_type forces a new memcached cluster only, clusterForceNewOnMemcachedNodeTypeChange;
//     engine_version forces a new one only on a downgrade, customizeDiffEngineVersionForceNewOnDowngrade)
//
// Source of the schemas: https://github.com/hashicorp/terraform-provider-aws/tree/main/internal/service
var forceNew = map[string]forceNewType{
	"aws:rds/instance:Instance": {
		terraform: "aws_db_instance",
		doc:       "https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/db_instance",
		rules: always("identifier", "identifierPrefix", "engine", "dbName", "name", "username",
			"storageEncrypted", "kmsKeyId", "availabilityZone", "characterSetName", "ncharCharacterSetName",
			"timezone", "customIamInstanceProfile", "snapshotIdentifier", "restoreToPointInTime", "s3Import"),
	},
	"aws:s3/bucketV2:BucketV2": {
		terraform: "aws_s3_bucket",
		doc:       "https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/s3_bucket",
		rules:     always("bucket", "bucketPrefix", "objectLockEnabled", "objectLockConfiguration.objectLockEnabled"),
	},
	"aws:kms/key:Key": {
		terraform: "aws_kms_key",
		doc:       "https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/kms_key",
		rules:     always("customerMasterKeySpec", "keyUsage", "multiRegion", "customKeyStoreId", "xksKeyId"),
	},
	"aws:cloudwatch/logGroup:LogGroup": {
		terraform: "aws_cloudwatch_log_group",
		doc:       "https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/cloudwatch_log_group",
		rules:     always("name", "namePrefix", "logGroupClass"),
	},
	"aws:secretsmanager/secret:Secret": {
		terraform: "aws_secretsmanager_secret",
		doc:       "https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/secretsmanager_secret",
		rules:     always("name", "namePrefix"),
	},
	"aws:route53/zone:Zone": {
		terraform: "aws_route53_zone",
		doc:       "https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/route53_zone",
		rules:     always("name", "delegationSetId"),
	},
	"aws:elasticache/cluster:Cluster": {
		terraform: "aws_elasticache_cluster",
		doc:       "https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/elasticache_cluster",
		rules: append(always("clusterId", "engine", "availabilityZone", "networkType", "outpostMode", "port",
			"preferredOutpostArn", "replicationGroupId", "snapshotArns", "snapshotName", "subnetGroupName",
			"transitEncryptionEnabled"),
			forceNewRule{path: "nodeType", condition: "memcached", when: func(_, n *offline.Resource) bool {
				return n.String("engine") == "memcached"
			}},
			forceNewRule{path: "engineVersion", condition: "a downgrade", when: func(o, n *offline.Resource) bool {
				return versionLess(n.String("engineVersion"), o.String("engineVersion"))
			}},
		),
	},
}

func always(paths ...string) []forceNewRule {
	out := make([]forceNewRule, len(paths))
	for i, p := range paths {
		out[i] = forceNewRule{path: p}
	}
	return out
}

// ForceNewInputs returns, sorted, the inputs of a type that Compare treats
// as forcing a new resource (some only under a condition: an elasticache
// cluster's nodeType for memcached, its engineVersion on a downgrade), or
// nil for a type the table does not hold.
func ForceNewInputs(typ string) []string {
	t, ok := forceNew[typ]
	if !ok {
		return nil
	}
	out := make([]string, len(t.rules))
	for i, r := range t.rules {
		out[i] = r.path
	}
	slices.Sort(out)
	return out
}

// versionLess compares dotted versions ("1.6.22" < "1.6.6" is false)
// number by number; a part that is not a number compares as text.
func versionLess(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < max(len(as), len(bs)); i++ {
		var x, y string
		if i < len(as) {
			x = as[i]
		}
		if i < len(bs) {
			y = bs[i]
		}
		if x == y {
			continue
		}
		xi, errX := strconv.Atoi(x)
		yi, errY := strconv.Atoi(y)
		if errX == nil && errY == nil {
			return xi < yi
		}
		return x < y
	}
	return false
}
