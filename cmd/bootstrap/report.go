package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
)

// result is what a successful update leaves: the bootstrap stack's outputs.
type result struct {
	BucketName, KeyARN, KeyAlias, LoginURL, SecretsProvider string
}

// resultOf reads the outputs of the bootstrap stack.
func resultOf(outputs auto.OutputMap) (result, error) {
	var r result
	var missing []string
	for name, field := range map[string]*string{
		outputBucketName:      &r.BucketName,
		outputKeyARN:          &r.KeyARN,
		outputKeyAlias:        &r.KeyAlias,
		outputLoginURL:        &r.LoginURL,
		outputSecretsProvider: &r.SecretsProvider,
	} {
		v, ok := outputs[name].Value.(string)
		if !ok || v == "" {
			missing = append(missing, name)
			continue
		}
		*field = v
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return r, fmt.Errorf("the %s stack exports no %s", stackName, strings.Join(missing, ", "))
	}
	return r, nil
}

// printNext prints what to run once the backend exists: the login, and for
// each stack (in deployment order) its creation with the shared key as its
// secrets provider, or the switch of an existing stack to it. The values
// are quoted for a POSIX shell: a bare ? is a glob character.
// Sources: https://www.pulumi.com/docs/iac/concepts/state-and-backends/#aws-s3,
// https://www.pulumi.com/docs/iac/concepts/secrets/#initializing-a-stack-with-alternative-encryption,
// https://www.pulumi.com/docs/iac/cli/commands/pulumi_stack_change-secrets-provider/
func printNext(w io.Writer, r result, stacks []string) {
	fmt.Fprintf(w, "The state backend is ready:\n  bucket  %s\n  key     %s (%s)\n\n", r.BucketName, r.KeyARN, r.KeyAlias)
	fmt.Fprintf(w, "Log in to it wherever pulumi runs (every machine, every CI job):\n\n  pulumi login '%s'\n\n", r.LoginURL)
	fmt.Fprintln(w, "Then create the stacks, in deployment order, with the shared key as their secrets provider:")
	fmt.Fprintln(w)
	for _, s := range stacks {
		fmt.Fprintf(w, "  pulumi stack init %s --secrets-provider \"%s\"\n", s, r.SecretsProvider)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "A stack that already exists (with its Pulumi.<stack>.yaml) switches to the key instead:")
	fmt.Fprintln(w)
	for _, s := range stacks {
		fmt.Fprintf(w, "  pulumi stack change-secrets-provider -s %s \"%s\"\n", s, r.SecretsProvider)
	}
}

// printPreview says what a preview found and that nothing changed.
func printPreview(w io.Writer, changes map[apitype.OpType]int) {
	ops := make([]string, 0, len(changes))
	for op, n := range changes {
		ops = append(ops, fmt.Sprintf("%d to %s", n, op))
	}
	sort.Strings(ops)
	summary := "no resource"
	if len(ops) > 0 {
		summary = strings.Join(ops, ", ")
	}
	fmt.Fprintf(w, "\nPreview only, nothing was changed (%s). Run again without -preview to create the state backend.\n", summary)
}
