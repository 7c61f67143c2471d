package offline

import (
	"fmt"
	"strings"
)

// Output mocks of the resource types many components share: buckets, keys,
// IAM principals, topics and log groups. Service-specific ones live in
// outputs_<service>.go.
func init() {
	registerOutputs("aws:s3/bucketV2:BucketV2", bucketOutputs)
	registerOutputs("aws:kms/key:Key", func(r *Resource, e env, state map[string]any) error {
		id := fmt.Sprintf("%s-%s-4%s-8%s-%s00000", shortHash(r.URN)+"0", shortHash(r.Name)[:4], shortHash("a" + r.URN)[:3], shortHash("b" + r.URN)[:3], shortHash("c"+r.URN))
		state["keyId"] = id
		state["arn"] = fmt.Sprintf("arn:%s:kms:%s:%s:key/%s", e.Partition, e.Region, e.Account, id)
		return nil
	})
	registerOutputs("aws:kms/alias:Alias", func(r *Resource, e env, state map[string]any) error {
		state["arn"] = fmt.Sprintf("arn:%s:kms:%s:%s:%s", e.Partition, e.Region, e.Account, state["name"])
		return nil
	})
	for _, kind := range []string{"role", "user", "group", "policy"} {
		token := fmt.Sprintf("aws:iam/%s:%s", kind, strings.ToUpper(kind[:1])+kind[1:])
		registerOutputs(token, func(r *Resource, e env, state map[string]any) error {
			path, _ := state["path"].(string)
			if path == "" {
				path = "/"
			}
			state["arn"] = fmt.Sprintf("arn:%s:iam::%s:%s%s%s", e.Partition, e.Account, kind, path, state["name"])
			state["uniqueId"] = "AROA" + strings.ToUpper(shortHash(r.URN)+shortHash(r.Name))
			return nil
		})
	}
	registerOutputs("aws:sns/topic:Topic", func(r *Resource, e env, state map[string]any) error {
		state["arn"] = fmt.Sprintf("arn:%s:sns:%s:%s:%s", e.Partition, e.Region, e.Account, state["name"])
		return nil
	})
	registerOutputs("aws:cloudwatch/logGroup:LogGroup", func(r *Resource, e env, state map[string]any) error {
		state["arn"] = fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s", e.Partition, e.Region, e.Account, state["name"])
		return nil
	})
	registerOutputs("aws:secretsmanager/secret:Secret", func(r *Resource, e env, state map[string]any) error {
		state["arn"] = fmt.Sprintf("arn:%s:secretsmanager:%s:%s:secret:%s-%s", e.Partition, e.Region, e.Account, state["name"], shortHash(r.URN)[:6])
		return nil
	})
}

// bucketOutputs names a bucket as S3 would: the given name, or an autoname
// from its logical name (lower case, as bucket names must be).
func bucketOutputs(r *Resource, e env, state map[string]any) error {
	bucket, _ := state["bucket"].(string)
	if bucket == "" {
		prefix, _ := state["bucketPrefix"].(string)
		if prefix == "" {
			prefix = r.Name + "-"
		}
		bucket = strings.ToLower(prefix + shortHash(r.URN))
	}
	state["bucket"] = bucket
	state["id"] = bucket
	state["arn"] = fmt.Sprintf("arn:%s:s3:::%s", e.Partition, bucket)
	state["bucketDomainName"] = bucket + ".s3.amazonaws.com"
	state["bucketRegionalDomainName"] = fmt.Sprintf("%s.s3.%s.amazonaws.com", bucket, e.Region)
	state["region"] = e.Region
	state["hostedZoneId"] = "Z3BJ6K6RIION7M"
	return nil
}
