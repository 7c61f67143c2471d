package offline

import (
	"fmt"
	"strings"
)

// Output mocks of AWS WAF: a web ACL's ARN and id have the shapes of
// https://docs.aws.amazon.com/service-authorization/latest/reference/list_awswafv2.html
// (arn:<partition>:wafv2:<region>:<account>:<regional|global>/webacl/<name>/<id>),
// and a CloudFront ACL must be created in us-east-1.
func init() {
	registerOutputs("aws:wafv2/webAcl:WebAcl", func(r *Resource, e env, state map[string]any) error {
		scope, _ := state["scope"].(string)
		name, _ := state["name"].(string)
		var kind string
		switch scope {
		case "REGIONAL":
			kind = "regional"
		case "CLOUDFRONT":
			if e.Region != "us-east-1" {
				return fmt.Errorf("a CLOUDFRONT web ACL must be created in us-east-1, not %s", e.Region)
			}
			kind = "global"
		default:
			return fmt.Errorf("scope must be REGIONAL or CLOUDFRONT, got %q", scope)
		}
		id := strings.Join([]string{shortHash(r.URN), "0000-4000-8000", shortHash(name) + "00000"}, "-")
		state["id"] = id
		state["arn"] = fmt.Sprintf("arn:%s:wafv2:%s:%s:%s/webacl/%s/%s", e.Partition, e.Region, e.Account, kind, name, id)
		return nil
	})
}
