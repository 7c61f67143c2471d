// Command pack is refarch's CrossGuard policy pack: the rules of package
// policies, run by the Pulumi CLI against a real preview:
//
//	pulumi preview --policy-pack ./policies/pack
//
// The CLI starts it through the Go language host, which builds this folder
// (PulumiPolicy.yaml says runtime: go).
package main

import (
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"

	"github.com/refarch/refarch/policies/crossguard"
)

func main() {
	if err := policyx.Main(crossguard.Pack); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
