package offline_test

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/offline"
)

// Example plans a two-resource program: an explicit aws provider and a KMS
// key made with it. A stack with real files would use RunStack instead.
func Example() {
	program := func(ctx *pulumi.Context) error {
		eu, err := aws.NewProvider(ctx, "eu", &aws.ProviderArgs{
			Region:            pulumi.String("eu-west-1"),
			AllowedAccountIds: pulumi.StringArray{pulumi.String("123456789012")},
		})
		if err != nil {
			return err
		}
		_, err = kms.NewKey(ctx, "data", &kms.KeyArgs{EnableKeyRotation: pulumi.Bool(true)},
			pulumi.Provider(eu), pulumi.Protect(true))
		return err
	}
	cfg := &offline.StackConfig{Project: "demo", Stack: "dev", Values: map[string]string{}}
	plan, err := offline.Run(program, cfg, offline.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	key := plan.Find("aws:kms/key:Key", "data")
	fmt.Println(len(plan.Resources), "resources")
	fmt.Println(key.URN)
	fmt.Println("protected:", key.Protect, "rotation:", key.Bool("enableKeyRotation"))
	fmt.Println("provider:", plan.ProviderOf(key).Name)
	fmt.Println("in the provider's account and region:",
		strings.HasPrefix(key.Output("arn").(string), "arn:aws:kms:eu-west-1:123456789012:key/"))
	// Output:
	// 2 resources
	// urn:pulumi:dev::demo::aws:kms/key:Key::data
	// protected: true rotation: true
	// provider: eu
	// in the provider's account and region: true
}
