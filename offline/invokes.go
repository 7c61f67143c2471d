package offline

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// invokeFunc answers one invoke token for the provider's account and region.
type invokeFunc func(e env, args map[string]any) (map[string]any, error)

// invokes holds every invoke the program may make. An invoke missing here
// fails the run loudly (mocks.Call).
var invokes = map[string]invokeFunc{
	"aws:index/getCallerIdentity:getCallerIdentity": func(e env, _ map[string]any) (map[string]any, error) {
		return map[string]any{
			"id":        e.Account,
			"accountId": e.Account,
			"arn":       fmt.Sprintf("arn:%s:sts::%s:assumed-role/refarch-deploy/harness", e.Partition, e.Account),
			"userId":    "AROAHARNESS:harness",
		}, nil
	},
	"aws:index/getRegion:getRegion": func(e env, _ map[string]any) (map[string]any, error) {
		return map[string]any{
			"id":          e.Region,
			"name":        e.Region,
			"region":      e.Region,
			"endpoint":    "ec2." + e.Region + ".amazonaws.com",
			"description": e.Region,
		}, nil
	},
	"aws:index/getPartition:getPartition": func(e env, _ map[string]any) (map[string]any, error) {
		suffix := "amazonaws.com"
		if e.Partition == "aws-cn" {
			suffix = "amazonaws.com.cn"
		}
		return map[string]any{
			"id":               e.Partition,
			"partition":        e.Partition,
			"dnsSuffix":        suffix,
			"reverseDnsPrefix": "com.amazonaws",
		}, nil
	},
	"aws:index/getAvailabilityZones:getAvailabilityZones":    availabilityZones,
	"aws:iam/getPolicyDocument:getPolicyDocument":            policyDocument,
	"aws:ec2/getAmi:getAmi":                                  ami,
	"aws:ssm/getParameter:getParameter":                      ssmParameter,
	"aws:elb/getServiceAccount:getServiceAccount":            elbServiceAccount,
	"aws:ec2/getRouteTable:getRouteTable":                    routeTable,
	"aws:ec2/getNatGateway:getNatGateway":                    natGateway,
	"aws:secretsmanager/getRandomPassword:getRandomPassword": randomPassword,
	"aws:organizations/getOrganization:getOrganization":      func(e env, _ map[string]any) (map[string]any, error) { return organizationOf(e, nil), nil },
	"aws:guardduty/getDetector:getDetector":                  detector,
}

// randomPassword answers Secrets Manager's GetRandomPassword with a fixed
// value of the asked length and classes: AWS's randomness is what a
// deployment gets, and the same answer every time keeps two plans of one
// program equal. It honours PasswordLength (default 32) and
// ExcludePunctuation, the arguments the program passes.
// Source: https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetRandomPassword.html
func randomPassword(_ env, args map[string]any) (map[string]any, error) {
	length := 32
	if n, ok := args["passwordLength"].(float64); ok {
		length = int(n)
	}
	if length < 1 || length > 4096 {
		return nil, fmt.Errorf("passwordLength %d is outside 1-4096", length)
	}
	alphabet := "Offline0Plan1Password2Not3A4Secret5Xyz6"
	if args["excludePunctuation"] != true {
		alphabet += "-_!#"
	}
	b := make([]byte, length)
	for i := range b {
		b[i] = alphabet[i%len(alphabet)]
	}
	return map[string]any{"id": "random", "randomPassword": string(b)}, nil
}

// usableZones is how many zones a new account sees per region; regions not
// listed get three.
var usableZones = map[string]string{
	"us-east-1":      "abcdef",
	"us-west-1":      "ac",
	"us-west-2":      "abcd",
	"ap-northeast-1": "acd",
	"ap-northeast-2": "abcd",
}

func availabilityZones(e env, args map[string]any) (map[string]any, error) {
	letters, ok := usableZones[e.Region]
	if !ok {
		letters = "abc"
	}
	excluded := map[string]bool{}
	if ex, ok := args["excludeNames"].([]any); ok {
		for _, n := range ex {
			excluded[fmt.Sprint(n)] = true
		}
	}
	names, zoneIDs := []any{}, []any{}
	for i, l := range letters {
		name := e.Region + string(l)
		if excluded[name] {
			continue
		}
		names = append(names, name)
		zoneIDs = append(zoneIDs, fmt.Sprintf("%s-az%d", regionCode(e.Region), i+1))
	}
	return map[string]any{
		"id":         e.Region,
		"names":      names,
		"zoneIds":    zoneIDs,
		"groupNames": []any{e.Region},
		"state":      args["state"],
	}, nil
}

// regionCode abbreviates a region the way zone ids do: us-west-2 → usw2.
func regionCode(region string) string {
	parts := strings.Split(region, "-")
	if len(parts) < 3 {
		return region
	}
	dir := parts[len(parts)-2]
	abbrev := ""
	for _, w := range []string{"north", "south", "east", "west", "central"} {
		if strings.Contains(dir, w) {
			abbrev += w[:1]
		}
	}
	return strings.Join(parts[:len(parts)-2], "") + abbrev + parts[len(parts)-1]
}

// policyDocument renders aws:iam/getPolicyDocument to the JSON the AWS
// provider would produce, so tests can parse and check real policies.
func policyDocument(_ env, args map[string]any) (map[string]any, error) {
	doc := map[string]any{"Version": "2012-10-17"}
	if v, ok := args["version"].(string); ok && v != "" {
		doc["Version"] = v
	}
	if id, ok := args["policyId"].(string); ok && id != "" {
		doc["Id"] = id
	}
	stmts, _ := args["statements"].([]any)
	var rendered []any
	for i, raw := range stmts {
		s, ok := raw.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("statement %d is not an object", i)
		}
		out := map[string]any{"Effect": "Allow"}
		if eff, ok := s["effect"].(string); ok && eff != "" {
			out["Effect"] = eff
		}
		if sid, ok := s["sid"].(string); ok && sid != "" {
			out["Sid"] = sid
		}
		for in, key := range map[string]string{"actions": "Action", "notActions": "NotAction", "resources": "Resource", "notResources": "NotResource"} {
			if list, ok := s[in].([]any); ok && len(list) > 0 {
				out[key] = collapse(list)
			}
		}
		for in, key := range map[string]string{"principals": "Principal", "notPrincipals": "NotPrincipal"} {
			list, _ := s[in].([]any)
			if len(list) == 0 {
				continue
			}
			principals := map[string]any{}
			for _, p := range list {
				pm, _ := p.(map[string]any)
				typ := fmt.Sprint(pm["type"])
				ids, _ := pm["identifiers"].([]any)
				principals[typ] = collapse(ids)
			}
			if len(principals) == 1 && principals["*"] != nil {
				out[key] = "*"
			} else {
				out[key] = principals
			}
		}
		if conds, ok := s["conditions"].([]any); ok && len(conds) > 0 {
			cm := map[string]any{}
			for _, c := range conds {
				cc, _ := c.(map[string]any)
				test := fmt.Sprint(cc["test"])
				if _, ok := cm[test]; !ok {
					cm[test] = map[string]any{}
				}
				vals, _ := cc["values"].([]any)
				cm[test].(map[string]any)[fmt.Sprint(cc["variable"])] = collapse(vals)
			}
			out["Condition"] = cm
		}
		rendered = append(rendered, out)
	}
	doc["Statement"] = rendered
	pretty, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	minified, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	return map[string]any{"id": shortHash(string(minified)), "json": string(pretty), "minifiedJson": string(minified)}, nil
}

// collapse renders a one-element list as its element, as the AWS provider
// renders policy documents; longer lists are sorted for stable output.
func collapse(list []any) any {
	if len(list) == 1 {
		return list[0]
	}
	out := append([]any(nil), list...)
	sort.Slice(out, func(i, j int) bool { return fmt.Sprint(out[i]) < fmt.Sprint(out[j]) })
	return out
}

func ami(e env, args map[string]any) (map[string]any, error) {
	name := "harness-image"
	if filters, ok := args["filters"].([]any); ok {
		for _, f := range filters {
			fm, _ := f.(map[string]any)
			if fm["name"] == "name" {
				if vals, ok := fm["values"].([]any); ok && len(vals) > 0 {
					name = strings.ReplaceAll(fmt.Sprint(vals[0]), "*", "20261101")
				}
			}
		}
	}
	id := "ami-0" + shortHash(e.Region+name) + shortHash(name)[:2]
	return map[string]any{
		"id":                 id,
		"imageId":            id,
		"name":               name,
		"architecture":       "x86_64",
		"rootDeviceName":     "/dev/xvda",
		"virtualizationType": "hvm",
		"ownerId":            "099720109477",
	}, nil
}

// ssmParameter answers Parameter Store's GetParameter from the cloud's
// parameters (Options.Parameters): a String parameter with its value. AWS's
// public parameters (/aws/service/…) exist in every account: an image
// parameter holds an AMI id of the region, any other a placeholder. Any
// other name is missing, and the answer is the AWS provider's error for a
// missing parameter (SSM's ParameterNotFound), which a program may tell
// apart from other failures. value and insecureValue are the same, as for
// a String parameter.
// Sources: https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameter.html,
// https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-public-parameters.html,
// https://github.com/hashicorp/terraform-provider-aws/blob/main/internal/service/ssm/parameter_data_source.go
func ssmParameter(e env, args map[string]any) (map[string]any, error) {
	name := fmt.Sprint(args["name"])
	value, ok := e.Parameters[name]
	switch {
	case ok:
	case strings.HasPrefix(name, "/aws/service/"):
		value = "public-value-of-" + name
		if strings.Contains(name, "/ami/") || strings.Contains(name, "ami-") || strings.Contains(name, "/images/") {
			value = "ami-0" + shortHash(e.Region+name) + shortHash(name)[:2]
		}
	default:
		return nil, fmt.Errorf("reading SSM Parameter (%s): couldn't find resource (ParameterNotFound: account %s holds no parameter %s in %s)",
			name, e.Account, name, e.Region)
	}
	return map[string]any{
		"id":            name,
		"name":          name,
		"arn":           fmt.Sprintf("arn:%s:ssm:%s:%s:parameter%s", e.Partition, e.Region, e.Account, name),
		"type":          "String",
		"value":         value,
		"insecureValue": value,
		"version":       1,
	}, nil
}

// elbAccounts are the Elastic Load Balancing accounts that write access logs
// in the regions that predate the log-delivery service principal.
// Source: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html
var elbAccounts = map[string]string{
	"us-east-1":      "127311923021",
	"us-east-2":      "033677994240",
	"us-west-1":      "027434742980",
	"us-west-2":      "797873946194",
	"ca-central-1":   "985666609251",
	"eu-central-1":   "054676820928",
	"eu-west-1":      "156460612806",
	"eu-west-2":      "652711504416",
	"eu-west-3":      "009996457667",
	"eu-north-1":     "897822967062",
	"ap-northeast-1": "582318560864",
	"ap-northeast-2": "600734575887",
	"ap-southeast-1": "114774131450",
	"ap-southeast-2": "783225319266",
	"ap-south-1":     "718504428378",
	"sa-east-1":      "507241528517",
}

func elbServiceAccount(e env, args map[string]any) (map[string]any, error) {
	region := e.Region
	if r, ok := args["region"].(string); ok && r != "" {
		region = r
	}
	id, ok := elbAccounts[region]
	if !ok {
		return nil, fmt.Errorf("no Elastic Load Balancing account for region %s", region)
	}
	return map[string]any{"id": id, "arn": fmt.Sprintf("arn:%s:iam::%s:root", e.Partition, id), "region": region}, nil
}

// routeTable answers a route table lookup by subnet with the table the
// subnet is associated with (one per subnet, as awsx lays them out).
func routeTable(_ env, args map[string]any) (map[string]any, error) {
	subnet, _ := args["subnetId"].(string)
	if subnet == "" {
		return nil, fmt.Errorf("the offline engine answers route table lookups by subnetId only, got %v", args)
	}
	id := "rtb-0" + shortHash(subnet) + shortHash("rtb" + subnet)[:2]
	return map[string]any{"id": id, "routeTableId": id, "subnetId": subnet, "routes": []any{}, "associations": []any{}}, nil
}

// natGateway answers a NAT gateway lookup by the subnet awsx put it in.
func natGateway(_ env, args map[string]any) (map[string]any, error) {
	subnet, _ := args["subnetId"].(string)
	if subnet == "" {
		return nil, fmt.Errorf("the offline engine answers NAT gateway lookups by subnetId only, got %v", args)
	}
	id := "nat-0" + shortHash(subnet) + shortHash("nat" + subnet)[:2]
	return map[string]any{"id": id, "subnetId": subnet, "state": "available", "connectivityType": "public"}, nil
}
