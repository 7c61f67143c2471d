package firewallpart

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ssm"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/edgecdn"
	"github.com/refarch/refarch/stacks/stack"
)

// OriginHeaderName is the secret header the CDN adds to the requests it
// sends to the API at the public load balancer, and that the load
// balancer's web ACL checks: AWS's mitigation for an internet-facing load
// balancer behind CloudFront. Lower case: WAF matches a single header by
// its lower-case name.
// Source: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/restrict-access-to-load-balancer.html
const OriginHeaderName = "x-origin-verify"

// apiPathPrefixes are the paths the web ACL admits only with the header:
// those the CDN sends to the load balancer (the edge part's API path
// pattern, edgecdn's default, without its wildcard).
func apiPathPrefixes() []string {
	return []string{strings.TrimSuffix(edgecdn.DefaultAPIPathPattern, "*")}
}

// OriginHeaderParameter is the SSM parameter keeping the header's value.
func OriginHeaderParameter(c *stack.Config) string {
	return "/" + stack.Namespace + "/" + c.Stack + "/cdn-origin-header"
}

// originSecretLength is the value's length: 43 letters and digits (over 250
// bits), within WAF's search string (waf.MaxSearchStringLength).
const originSecretLength = 43

// originHeader keeps the header's value in an SSM SecureString encrypted
// with the account's secrets key, and returns the value it holds. Secrets
// Manager generates a value on every run (GetRandomPassword: the randomness
// comes from AWS, and a program that only plans gets the same answer twice),
// but the parameter ignores later changes of its value: the first
// deployment stores one, and every later run reads that one back from the
// parameter's output. So the distribution and the web ACL, which both read
// the output, always agree, and a second preview changes nothing. To rotate
// it, replace the parameter (pulumi up --replace): both follow in the same
// update.
// Source: https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetRandomPassword.html
func originHeader(ctx *pulumi.Context, c *stack.Config, p *stack.Providers, a *stack.Parts) (pulumi.StringOutput, error) {
	if a.Baseline == nil || a.Baseline.SecretsKeyARN == nil {
		return pulumi.StringOutput{}, fmt.Errorf("the CDN's origin header needs the account's secrets key, which the baseline part did not provide")
	}
	random, err := secretsmanager.GetRandomPassword(ctx, &secretsmanager.GetRandomPasswordArgs{
		PasswordLength:     pulumi.IntRef(originSecretLength),
		ExcludePunctuation: pulumi.BoolRef(true),
	}, pulumi.Provider(p.Account))
	if err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("the CDN's origin header value: %w", err)
	}
	value := random.RandomPassword
	param, err := ssm.NewParameter(ctx, stack.Namespace+"-"+c.Stack+"-cdn-origin-header", &ssm.ParameterArgs{
		Name:        pulumi.String(OriginHeaderParameter(c)),
		Description: pulumi.String("The secret " + OriginHeaderName + " header CloudFront adds to the API's requests; the public load balancer's web ACL checks it"),
		Type:        pulumi.String("SecureString"),
		Tier:        pulumi.String("Standard"),
		KeyId:       a.Baseline.SecretsKeyARN,
		Value:       pulumi.ToSecret(pulumi.String(value)).(pulumi.StringOutput),
	}, pulumi.Provider(p.Account), pulumi.IgnoreChanges([]string{"value"}))
	if err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("the CDN's origin header parameter: %w", err)
	}
	return param.Value, nil
}
