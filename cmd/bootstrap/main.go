// Command bootstrap creates, once, where every stack of this project keeps
// its state and encrypts its secrets: the StateBackend component
// (components/statebackend) in the security account, that is the S3 bucket
// refarch-state-<security account id> and the KMS key alias/refarch-state,
// in the security stack's region (refarch:region, which equals
// refarch:auditRegion).
//
//	go run ./cmd/bootstrap -profile <aws profile of the security account's administrator> \
//	    [-backend file://~/.refarch/bootstrap] [-bucket refarch-state-<security id>] [-admin <principal ARN>] [-preview]
//
// Why the security account: it is the account whose principals deploy every
// stack (people are its IAM users, and every account's deploy role trusts
// it), it already holds the audit archive, and nothing in a workload account
// can then delete the bucket, change its policy or encryption, suspend its
// versioning or erase the history of another account's state: a workload
// account's deploy role may only list the bucket and read and write its
// objects, as the bucket policy allows, and every overwrite keeps the
// previous version restorable (StateBackendArgs.NoncurrentVersionDays).
//
// How: a Pulumi program run inline through the Automation API, as the stack
// refarch-bootstrap/state on a local file backend (-backend; its Pulumi.yaml
// and Pulumi.state.yaml are kept in the same folder), because the S3 backend
// it creates cannot hold its own creation. The passphrase of that stack
// comes from PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE);
// keep it and the folder: a later run (it is idempotent: a second run
// changes nothing) needs both, and without them the bucket and key, which
// are protected and retained, would have to be imported into a new stack.
// Its one aws provider uses -profile as is, in the security stack's region,
// and refuses any account but security's (allowedAccountIds). The profile's
// principal must be one of the key's administrators (the security account's
// deploy role, and any -admin), because KMS refuses a key policy that would
// lock out the principal creating it; the program checks that before it
// creates anything. It uses the Pulumi CLI at .bin/pulumi
// (tools/pulumi/build) when there is one, the pulumi on PATH otherwise.
//
// It reads the account directory (refarch:accounts), the region and
// refarch:deployRoleName from the project's configuration as the Pulumi CLI
// hands it to the security stack (Pulumi.yaml and Pulumi.security.yaml of
// the module root, or -dir), and checks all of it and the flags before
// anything changes, reporting every problem at once (an account id that is
// not 12 digits, a missing -profile, a bucket name S3 would refuse, an
// unknown region, a missing passphrase), with status 1.
//
// What it does not do: it creates no IAM role and no identity provider;
// those stay where they are. The deploy role of every account is created
// beforehand by the CloudFormation template in README ("Security
// baseline"); the CircleCI OIDC provider and the CI role that previews,
// updates and pushes from CircleCI (refarch-ci) are created by the security
// baseline of each stack. The key policy names the five deploy roles, and
// KMS refuses a policy naming a principal that does not exist.
//
// The order, on a new organization:
//
//  1. the deploy role in each of the five accounts (the CloudFormation
//     template);
//  2. this command (with -preview first, if you like);
//  3. `pulumi login`, with the URL it prints, wherever pulumi runs;
//  4. each stack created with the shared key as its secrets provider (the
//     `pulumi stack init` commands it prints, or `pulumi stack
//     change-secrets-provider` for a stack that exists), then `pulumi up`
//     of the stacks in deployment order (README, "Using it against AWS").
//
// The Pulumi CLI reads and writes the state and the secrets with its own
// AWS credentials, not with the program's providers: after step 3 it must
// run with a session of one of the deploy roles, which are the only
// principals the bucket and the key admit.
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
	fs.StringVar(&f.Profile, "profile", "", "AWS profile of an administrator of the security account (required)")
	fs.StringVar(&f.Backend, "backend", defaultBackend, "file:// folder keeping the bootstrap's own state")
	fs.StringVar(&f.Bucket, "bucket", "", "state bucket name (default "+bucketPrefix+"<security account id>)")
	fs.Var(adminFlag{&f.Admins}, "admin", "another key administrator (principal ARN): the one -profile acts as, if not the security deploy role; repeatable")
	fs.BoolVar(&f.Preview, "preview", false, "only preview: change nothing")
	dir := fs.String("dir", "", "project folder holding Pulumi.yaml (default: the module root)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: bootstrap -profile <aws profile> [-backend file://<dir>] [-bucket <name>] [-admin <arn>] [-preview]")
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
