// Command bootstrap creates, once, what every stack of this project needs
// before its first `pulumi up`, in every account of the directory:
//
//   - in every account, components/deployaccess: the CircleCI OIDC identity
//     provider, the deploy role (refarch:deployRoleName, trusted by pipelines
//     of main, by the security account's people with MFA and by itself), the
//     read-only preview role refarch-preview (trusted by pipelines of any
//     branch) and, in shared-services, the ECR push role refarch-ecr-push
//     (pipelines of main; push to refarch:ecrRepositories only);
//   - in the security account, components/statebackend: the S3 bucket
//     refarch-state-<security account id> and the KMS key
//     alias/refarch-state, in the security stack's region (refarch:region,
//     which equals refarch:auditRegion), readable by the preview roles and
//     writable by the deploy roles only.
//
// Usage:
//
//	go run ./cmd/bootstrap -profile <aws profile> [-profile <stack>=<aws profile> …] \
//	    [-backend file://~/.refarch/bootstrap] [-bucket refarch-state-<security id>] [-admin <principal ARN>] [-preview]
//
// -profile names the AWS profile (of ~/.aws/config) of an administrator of
// each account: a bare value for every account, <stack>=<profile> for one
// (for example an AWS Organizations administrator's profiles assuming
// OrganizationAccountAccessRole in each member account). Each account's
// provider uses its profile as it is and refuses any other account
// (allowedAccountIds).
//
// Why the state lives in the security account: it is the account whose
// principals deploy every stack (people are its IAM users, and every
// account's deploy role trusts it), it already holds the audit archive, and
// nothing in a workload account can then delete the bucket, change its
// policy or encryption, suspend its versioning or erase the history of
// another account's state: a workload account's deploy role may only list
// the bucket and read and write its objects, as the bucket policy allows,
// and every overwrite keeps the previous version restorable
// (StateBackendArgs.NoncurrentVersionDays).
//
// Why here and not in the stacks: a stack cannot create the role it
// deploys with, and an account holds one OIDC provider per issuer URL, so
// the pipeline's roles and provider are created once, before any stack,
// and no stack creates them (tests/baseline_test.go proves it).
//
// How: a Pulumi program run inline through the Automation API, as the stack
// refarch-bootstrap/state on a local file backend (-backend; its Pulumi.yaml
// and Pulumi.state.yaml are kept in the same folder), because the S3 backend
// it creates cannot hold its own creation. The passphrase of that stack
// comes from PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE);
// keep it and the folder: a later run (it is idempotent: a second run
// changes nothing) needs both, and without them the bucket and key, which
// are protected and retained, would have to be imported into a new stack.
// The security profile's principal must be one of the key's administrators
// (the security account's deploy role, and any -admin), because KMS refuses
// a key policy that would lock out the principal creating it; the program
// checks that before it creates anything. On the first run the deploy role
// does not exist yet, so name the administrator the security profile acts
// as with -admin. The key and the bucket policy are created after every
// role, since KMS and S3 refuse a policy naming a principal that does not
// exist. It uses the Pulumi CLI at .bin/pulumi (tools/pulumi/build) when
// there is one, the pulumi on PATH otherwise.
//
// It reads the account directory (refarch:accounts), the region,
// refarch:deployRoleName, the CircleCI project (refarch:circleciOrgId,
// refarch:circleciProjectId, refarch:ciRepository) and the registry's
// repositories (refarch:ecrRepositories) from the project's configuration
// as the Pulumi CLI hands it to the security stack (Pulumi.yaml and
// Pulumi.security.yaml of the module root, or -dir), and checks all of it
// and the flags before anything changes, reporting every problem at once (an
// account id that is not 12 digits, an account without a -profile, a bucket
// name S3 would refuse, an unknown region, a missing passphrase), with
// status 1.
//
// The order, on a new organization:
//
//  1. this command (with -preview first, if you like);
//  2. `pulumi login`, with the URL it prints, wherever pulumi runs;
//  3. each stack created with the shared key as its secrets provider (the
//     `pulumi stack init` commands it prints; the stack files already name
//     it), then `pulumi up` of the stacks in deployment order (docs/first-deployment.md).
//
// The Pulumi CLI reads and writes the state and the secrets with its own
// AWS credentials, not with the program's providers: after step 2 it must
// run with a session of one of the deploy roles (or, to preview, of a
// preview role), which are the only principals the bucket and the key
// admit.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/refarch/refarch/cmd/internal/modroot"
	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/stacks/stack"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the whole command, separate from main so tests can call it. It
// returns the exit status: 0 done, 1 failed, 2 usage.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bootstrap", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f flags
	fs.Var(listFlag{&f.Profiles}, "profile", "AWS profile of an administrator: <profile> for every account, <stack>=<profile> for one; repeatable (required)")
	fs.StringVar(&f.Backend, "backend", defaultBackend, "file:// folder keeping the bootstrap's own state")
	fs.StringVar(&f.Bucket, "bucket", "", "state bucket name (default "+bucketPrefix+"<security account id>)")
	fs.Var(listFlag{&f.Admins}, "admin", "another key administrator (principal ARN): the one -profile acts as, if not the security deploy role; repeatable")
	fs.BoolVar(&f.Preview, "preview", false, "only preview: change nothing")
	dir := fs.String("dir", "", "project folder holding Pulumi.yaml (default: the module root)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: bootstrap -profile <aws profile> [-profile <stack>=<aws profile> ...] [-backend file://<dir>] [-bucket <name>] [-admin <arn>] [-preview]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	root, err := modroot.Find("")
	if err != nil {
		fmt.Fprintln(stderr, "bootstrap:", err)
		return 1
	}
	projectDir := root
	if *dir != "" {
		projectDir = *dir
	}
	cfg, err := settings(projectDir, f)
	if err != nil {
		fmt.Fprintln(stderr, "bootstrap:", err)
		return 1
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := deploy(ctx, cfg, root, stdout, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "bootstrap:", err)
		return 1
	}
	if res != nil {
		fmt.Fprintln(stdout)
		printNext(stdout, *res, cfg.Stacks)
	}
	return 0
}

// settings reads the project's configuration for the security stack and
// checks it with the flags and the environment.
func settings(projectDir string, f flags) (*config, error) {
	sc, err := offline.LoadStackConfig(projectDir, stateAccount)
	if err != nil {
		return nil, fmt.Errorf("reading the project's configuration in %s: %w", projectDir, err)
	}
	home, _ := os.UserHomeDir() // only needed for ~, which then says it is unknown
	return loadConfig(stack.MapSource(sc.Values), f, os.LookupEnv, home)
}
