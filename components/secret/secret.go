// Package secret provides Secret, the library's Secrets Manager pattern: a
// secret encrypted with the account's secrets key, recoverable for 30 days,
// rotated where AWS can rotate it, its value set out of band so it is never in
// the program or its state.
package secret

import (
	"fmt"
	"regexp"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/validate"
)

// Secret is the Secrets Manager pattern of the library: a secret encrypted
// with the account's secrets key (never the AWS-managed aws/secretsmanager
// key, so the key policy decides who may decrypt), a 30-day recovery window
// and, where AWS supports it, rotation (Security Hub SecretsManager.1, .4).
//
// Rotation where AWS supports it: generated values and database master
// passwords rotate through a rotation Lambda (RotationLambdaARN; a
// database's master secret is components/postgres's, rotated with Rotate);
// secrets a third party issues (API keys) have no rotation AWS can perform,
// and their value is set out of band (aws secretsmanager put-secret-value),
// never in the Pulumi program, so it is in neither the code nor the state.
//
// A rotation starts at once (RotateSecret invokes the function when the
// rotation is configured), so it waits for RotationDependsOn: the Lambda
// permission that lets Secrets Manager invoke the function. Without it
// Secrets Manager refuses with AccessDeniedException.
// Source: https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets-cli.html
//
// Readers need secretsmanager:GetSecretValue on ARN and kms:Decrypt on the
// secrets key in their IAM policy; the key admits them through Secrets
// Manager only.
//
// Args: KMSKeyARN is required; Description defaults to the name;
// RecoveryWindowDays to 30; RotationDays to 30 when RotationLambdaARN is
// set; Protect (default false) protects and retains the secret.
type Secret struct {
	pulumi.ResourceState

	// ARN is the secret's ARN.
	ARN pulumi.StringOutput `pulumi:"arn"`
	// Name is the secret's name.
	Name pulumi.StringOutput `pulumi:"name"`
}

// SecretArgs configures a Secret.
type SecretArgs struct {
	// KMSKeyARN is the key encrypting the secret:
	// SecurityBaseline.SecretsKeyARN. Required.
	KMSKeyARN pulumi.StringInput
	// Description of the secret. Default the name.
	Description string
	// RecoveryWindowDays is how long a deleted secret can be restored.
	// Default 30 (the maximum); 7-30.
	RecoveryWindowDays int
	// RotationLambdaARN, when set, rotates the secret with that function
	// every RotationDays. Default none: no rotation (a secret a third
	// party issues).
	RotationLambdaARN pulumi.StringInput
	// RotationDays is the rotation interval. Default 30; 1-1000.
	RotationDays int
	// RotationDependsOn are what the rotation waits for besides the
	// secret: the Lambda permission letting secretsmanager.amazonaws.com
	// invoke RotationLambdaARN (function.Function.InvokerPermissions).
	// Default none, for a caller whose RotationLambdaARN already resolves
	// only once that permission exists.
	RotationDependsOn []pulumi.Resource
	// Protect protects and retains the secret. Default false.
	Protect bool
}

var secretName = regexp.MustCompile(`^[A-Za-z0-9/_+=.@-]{1,512}$`)

// CheckName returns the rule a Secret's name breaks, or "". The component's
// name is the secret's name in Secrets Manager (conventionally
// <stack>/<service>/<VARIABLE>), so it follows Secrets Manager's rules
// rather than validate.CheckName's.
// Source: https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html
func CheckName(name string) string {
	if !secretName.MatchString(name) {
		return "must be a Secrets Manager name: 1-512 letters, digits and /_+=.@-"
	}
	return ""
}

func (a *SecretArgs) withDefaults(name string) SecretArgs {
	out := *a
	if out.Description == "" {
		out.Description = name
	}
	if out.RecoveryWindowDays == 0 {
		out.RecoveryWindowDays = 30
	}
	if out.RotationDays == 0 {
		out.RotationDays = 30
	}
	return out
}

// Validate reports every problem of the arguments (with the defaults
// applied) at once.
func (a *SecretArgs) Validate() error {
	d := a.withDefaults("")
	var p validate.Problems
	if d.KMSKeyARN == nil {
		p.Add("Args.KMSKeyARN", "", "is required: secrets are encrypted with the account's secrets key, not the AWS-managed key")
	}
	p.Check("Args.RecoveryWindowDays", fmt.Sprint(d.RecoveryWindowDays), validate.CheckRange(d.RecoveryWindowDays, 7, 30))
	p.Check("Args.RotationDays", fmt.Sprint(d.RotationDays), validate.CheckRange(d.RotationDays, 1, 1000))
	return p.Err("secret arguments")
}

// NewSecret creates a secret (without a value). It validates args before
// registering anything.
func NewSecret(ctx *pulumi.Context, name string, args *SecretArgs, opts ...pulumi.ResourceOption) (*Secret, error) {
	if args == nil {
		args = &SecretArgs{}
	}
	a := args.withDefaults(name)
	if err := validate.Component("secret arguments", name, CheckName(name), &a); err != nil {
		return nil, fmt.Errorf("secret %q: %w", name, err)
	}
	c := &Secret{}
	if err := ctx.RegisterComponentResource("refarch:secret:Secret", name, c, opts...); err != nil {
		return nil, fmt.Errorf("secret %q: registering the component: %w", name, err)
	}
	child := pulumi.Parent(c)
	secret, err := secretsmanager.NewSecret(ctx, name, &secretsmanager.SecretArgs{
		Name:                 pulumi.String(name),
		Description:          pulumi.String(a.Description),
		KmsKeyId:             a.KMSKeyARN,
		RecoveryWindowInDays: pulumi.Int(a.RecoveryWindowDays),
	}, child, pulumi.Protect(a.Protect), pulumi.RetainOnDelete(a.Protect))
	if err != nil {
		return nil, err
	}
	if a.RotationLambdaARN != nil {
		if _, err := Rotate(ctx, name, &RotationArgs{
			SecretID:  secret.ID(),
			LambdaARN: a.RotationLambdaARN,
			Days:      a.RotationDays,
			DependsOn: a.RotationDependsOn,
		}, child); err != nil {
			return nil, fmt.Errorf("secret %q: %w", name, err)
		}
	}
	c.ARN = secret.Arn
	c.Name = secret.Name
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{"arn": c.ARN, "name": c.Name})
}

// RotationArgs configures Rotate.
type RotationArgs struct {
	// SecretID is the secret's ARN (or name). Required.
	SecretID pulumi.StringInput
	// LambdaARN is the rotation function. Required.
	LambdaARN pulumi.StringInput
	// Days is the rotation interval. Default 30; 1-1000.
	Days int
	// DependsOn are what the rotation's creation waits for: the Lambda
	// permission letting secretsmanager.amazonaws.com invoke LambdaARN
	// and, for a database's secret, the database.
	DependsOn []pulumi.Resource
}

// Rotate configures the rotation of an existing secret by a Lambda
// function: every Days days, and once at creation (Secrets Manager's
// default), which gives a secret created without a value its first one.
// The first rotation invokes the function at once, so the rotation waits
// for args.DependsOn.
// Sources: https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_RotateSecret.html,
// https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets-cli.html
func Rotate(ctx *pulumi.Context, name string, args *RotationArgs, opts ...pulumi.ResourceOption) (*secretsmanager.SecretRotation, error) {
	if args == nil || args.SecretID == nil || args.LambdaARN == nil {
		return nil, fmt.Errorf("rotation %q: SecretID and LambdaARN are required", name)
	}
	days := args.Days
	if days == 0 {
		days = 30
	}
	if rule := validate.CheckRange(days, 1, 1000); rule != "" {
		return nil, fmt.Errorf("rotation %q: Days %d %s", name, days, rule)
	}
	if len(args.DependsOn) > 0 {
		opts = append(opts, pulumi.DependsOn(args.DependsOn))
	}
	rotation, err := secretsmanager.NewSecretRotation(ctx, name, &secretsmanager.SecretRotationArgs{
		SecretId:          args.SecretID,
		RotationLambdaArn: args.LambdaARN,
		RotateImmediately: pulumi.Bool(true),
		RotationRules: &secretsmanager.SecretRotationRotationRulesArgs{
			AutomaticallyAfterDays: pulumi.Int(days),
		},
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("rotation %q: %w", name, err)
	}
	return rotation, nil
}
