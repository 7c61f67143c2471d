// Package statebackend provides StateBackend, the storage of a Pulumi
// self-managed ("DIY") backend shared by several AWS accounts: an S3 bucket
// holding every stack's state and one KMS key that encrypts the bucket and
// serves as every stack's awskms secrets provider.
//
// One key for all stacks, on purpose: a stack reference makes the Pulumi CLI
// read the referenced stack's checkpoint and decrypt its secret outputs with
// that stack's secrets provider, so a stack can only read the secrets of
// the stacks it references if it may use their key. The key policy admits
// exactly the deploy roles (from any account) to use it.
//
// The state must never be lost by a destroy or a careless change: the
// bucket, the key, its alias and every setting of the bucket are protected
// (`pulumi.Protect`) and retained on delete, whatever the caller says. The
// bucket is versioned: Pulumi rewrites the same object on every update
// (.pulumi/stacks/<project>/<stack>.json), and each rewrite keeps the
// previous checkpoint as a noncurrent version for
// StateBackendArgs.NoncurrentVersionDays; its policy refuses deleting a
// version outright, so history leaves only through that lifecycle rule.
//
// Object Lock is off by default. It would not block Pulumi: in a versioned
// bucket an overwrite creates a new version and a delete without a version
// id only adds a delete marker, and a retention protects the versions that
// exist, never the key from being written again. What it adds is that no
// version can be deleted before its retention ends, even by an
// administrator of the bucket's account; versioning with the deny on
// s3:DeleteObjectVersion already covers every principal who cannot edit
// the bucket policy. What it costs: it can never be turned off; every
// upload to a bucket with a default retention must carry a Content-MD5 or
// checksum header (current AWS SDKs send one, but that is the CLI's
// business, not this component's); and noncurrent versions cannot expire
// before their retention does. Turn it on (StateBackendArgs.ObjectLock)
// where a regulation asks for write-once state.
// Sources: https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html,
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/DeletingObjectVersions.html,
// https://www.pulumi.com/docs/iac/concepts/state-and-backends/#aws-s3
package statebackend

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/awsenv"
	"github.com/refarch/refarch/components/iampolicy"
	"github.com/refarch/refarch/components/validate"
)

// MaxNameLength bounds a StateBackend's name: it names the key's alias,
// alias/<name>, which KMS limits to 256 characters.
// Source: https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html
const MaxNameLength = 250

// CheckName returns the rule a StateBackend's name breaks, or "".
func CheckName(name string) string {
	return validate.CheckName(name, MaxNameLength)
}

// StateBackend is the storage of a self-managed Pulumi backend. It creates:
//
//   - the S3 bucket Args.BucketName: versioned, encrypted by default with
//     the component's key (SSE-KMS, bucket keys on, so S3 asks KMS for a
//     data key per bucket rather than per object), ACLs disabled
//     (BucketOwnerEnforced), all four public access blocks on, a lifecycle
//     rule expiring noncurrent versions after Args.NoncurrentVersionDays
//     (and expired delete markers, and uploads left incomplete for 7 days),
//     and a policy refusing requests without TLS, letting exactly the
//     deploy roles and state administrators list the bucket and read and
//     write its objects, refusing object access to anyone else, and
//     refusing deleting object versions; with Args.ObjectLock, Object Lock
//     with a GOVERNANCE default retention of Args.NoncurrentVersionDays;
//   - a KMS key (rotated yearly, 30-day deletion window) administered by
//     Args.KeyAdministrators and used (Encrypt, Decrypt, GenerateDataKey*,
//     DescribeKey) by the deploy roles and state administrators, and its
//     alias alias/<name>.
//
// All of it is protected and retained on delete. The key policy names
// principals of other accounts; KMS refuses a policy naming a principal
// that does not exist, so the deploy roles must exist before the backend.
type StateBackend struct {
	pulumi.ResourceState

	// BucketName is the state bucket's name.
	BucketName pulumi.StringOutput `pulumi:"bucketName"`
	// KeyARN is the ARN of the key encrypting the bucket and the secrets.
	KeyARN pulumi.StringOutput `pulumi:"keyArn"`
	// KeyAlias is the key's alias name, alias/<name>.
	KeyAlias pulumi.StringOutput `pulumi:"keyAlias"`

	// LoginURL is what `pulumi login` takes to use the bucket as the
	// backend: s3://<bucket>?region=<region>. The region parameter spares
	// every user and CI job an AWS_REGION matching the bucket's.
	// Source: https://www.pulumi.com/docs/iac/concepts/state-and-backends/#aws-s3
	LoginURL string
	// SecretsProvider is what `pulumi stack init --secrets-provider` (or
	// `pulumi stack change-secrets-provider`) takes to encrypt a stack's
	// secrets with the key: the ARN form Pulumi documents,
	// awskms:///<ARN>?region=<region>, with the alias's ARN
	// (arn:<partition>:kms:<region>:<account>:alias/<name>). Not the short
	// awskms://alias/<name> form: KMS resolves an alias name in the
	// caller's own account, so a deploy role of another account would look
	// for a key of its own; a key in another account must be named by the
	// key ARN or the alias ARN. The alias ARN is known before the key
	// exists and survives a change of key.
	// Sources: https://www.pulumi.com/docs/iac/concepts/secrets/#aws-key-management-service-kms,
	// https://docs.aws.amazon.com/kms/latest/APIReference/API_Encrypt.html#KMS-Encrypt-request-KeyId
	SecretsProvider string
}

// NewStateBackend creates the backend's bucket and key. It validates args
// before registering anything.
func NewStateBackend(ctx *pulumi.Context, name string, args *StateBackendArgs, opts ...pulumi.ResourceOption) (*StateBackend, error) {
	if args == nil {
		args = &StateBackendArgs{}
	}
	a := args.withDefaults()
	if err := validate.Component("state backend arguments", name, CheckName(name), &a); err != nil {
		return nil, fmt.Errorf("state backend %q: %w", name, err)
	}
	c := &StateBackend{}
	if err := ctx.RegisterComponentResource("refarch:statebackend:StateBackend", name, c, opts...); err != nil {
		return nil, fmt.Errorf("state backend %q: registering the component: %w", name, err)
	}
	// The key and the bucket policy name the deploy and preview roles, and
	// KMS and S3 refuse a policy naming a principal that does not exist
	// yet; a resource that depends on a component does not make its
	// children wait, so the component's own DependsOn (the roles, when one
	// program creates them) is handed to every child.
	// Source: https://github.com/pulumi/pulumi/issues/1743
	given, err := pulumi.NewResourceOptions(opts...)
	if err != nil {
		return nil, fmt.Errorf("state backend %q: reading the options: %w", name, err)
	}
	child := pulumi.Parent(c)
	env, err := awsenv.Lookup(ctx, child)
	if err != nil {
		return nil, fmt.Errorf("state backend %q: looking up the account: %w", name, err)
	}
	b := &builder{ctx: ctx, name: name, a: a, env: env, child: child, after: given.DependsOn}
	key, alias, err := b.key()
	if err != nil {
		return nil, fmt.Errorf("state backend %q: key: %w", name, err)
	}
	bucket, err := b.bucket(key.Arn)
	if err != nil {
		return nil, fmt.Errorf("state backend %q: bucket: %w", name, err)
	}

	c.BucketName = bucket.Bucket
	c.KeyARN = key.Arn
	c.KeyAlias = alias.Name
	c.LoginURL = fmt.Sprintf("s3://%s?region=%s", a.BucketName, env.Region)
	aliasARN := iampolicy.ARN(env.Partition, "kms", env.Region, env.Account, AliasName(name))
	c.SecretsProvider = fmt.Sprintf("awskms:///%s?region=%s", aliasARN, env.Region)
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"bucketName":      c.BucketName,
		"keyArn":          c.KeyARN,
		"keyAlias":        c.KeyAlias,
		"loginUrl":        pulumi.String(c.LoginURL),
		"secretsProvider": pulumi.String(c.SecretsProvider),
	})
}

// AliasName is the alias of the key of the StateBackend called name.
func AliasName(name string) string { return "alias/" + name }

type builder struct {
	ctx   *pulumi.Context
	name  string
	a     StateBackendArgs
	env   awsenv.Env
	child pulumi.ResourceOrInvokeOption
	after []pulumi.Resource
}

// always are the options of every resource the component creates: the
// state, its key and every setting guarding them survive any destroy.
func (b *builder) always() []pulumi.ResourceOption {
	return []pulumi.ResourceOption{b.child, pulumi.Protect(true), pulumi.RetainOnDelete(true), pulumi.DependsOn(b.after)}
}
