package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
)

// deploy runs the program through the Automation API on the local file
// backend: a preview with cfg.Preview (reported on stdout, nil result),
// an update otherwise (its outputs in the result).
func deploy(ctx context.Context, cfg *config, root string, stdout, stderr io.Writer) (*result, error) {
	cli, cleanup, err := pulumiCLI(root)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	if err := os.MkdirAll(cfg.BackendDir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the backend folder: %w", err)
	}
	description := "The refarch Pulumi state backend (go run ./cmd/bootstrap)"
	st, err := auto.UpsertStackInlineSource(ctx, stackName, project, program(cfg),
		// The project's and stack's settings (Pulumi.yaml,
		// Pulumi.state.yaml with the passphrase's salt) stay beside the
		// state they belong to, for the next run.
		auto.WorkDir(cfg.BackendDir),
		auto.Project(workspace.Project{
			Name:        tokens.PackageName(project),
			Runtime:     workspace.NewProjectRuntimeInfo("go", nil),
			Description: &description,
			// As in the main project: a resource without the explicit
			// provider is an error, never the ambient account.
			Config: map[string]workspace.ProjectConfigType{
				"pulumi:disable-default-providers": {Value: []any{"aws"}},
			},
		}),
		auto.Pulumi(cli),
		auto.EnvVars(cfg.Env),
		auto.SecretsProvider("passphrase"),
	)
	if err != nil {
		return nil, fmt.Errorf("creating or selecting the %s stack on %s: %w", stackName, cfg.Env["PULUMI_BACKEND_URL"], err)
	}
	if cfg.Preview {
		res, err := st.Preview(ctx, optpreview.ProgressStreams(stdout), optpreview.ErrorProgressStreams(stderr))
		if err != nil {
			return nil, fmt.Errorf("preview: %w", err)
		}
		printPreview(stdout, res.ChangeSummary)
		return nil, nil
	}
	res, err := st.Up(ctx, optup.ProgressStreams(stdout), optup.ErrorProgressStreams(stderr))
	if err != nil {
		return nil, fmt.Errorf("update: %w", err)
	}
	r, err := resultOf(res.Outputs)
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// pulumiCLI returns the CLI the Automation API drives: the pinned one
// (tools/pulumi/build puts it in .bin/pulumi) when it is there, the pulumi
// on PATH otherwise. cleanup removes what it made.
func pulumiCLI(root string) (auto.PulumiCommand, func(), error) {
	nothing := func() {}
	bin := filepath.Join(root, ".bin", "pulumi")
	if _, err := os.Stat(bin); err != nil {
		cli, err := auto.NewPulumiCommand(nil)
		if err != nil {
			return nil, nothing, fmt.Errorf("finding the Pulumi CLI (none at %s; build it with tools/pulumi/build or put pulumi on PATH): %w", bin, err)
		}
		return cli, nothing, nil
	}
	// The Automation API runs <Root>/bin/pulumi.
	tmp, err := os.MkdirTemp("", "refarch-bootstrap-cli-")
	if err != nil {
		return nil, nothing, fmt.Errorf("preparing the Pulumi CLI: %w", err)
	}
	cleanup := func() { _ = os.RemoveAll(tmp) }
	if err := os.Mkdir(filepath.Join(tmp, "bin"), 0o700); err != nil {
		cleanup()
		return nil, nothing, fmt.Errorf("preparing the Pulumi CLI: %w", err)
	}
	if err := os.Symlink(bin, filepath.Join(tmp, "bin", "pulumi")); err != nil {
		cleanup()
		return nil, nothing, fmt.Errorf("preparing the Pulumi CLI: %w", err)
	}
	cli, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: tmp})
	if err != nil {
		cleanup()
		return nil, nothing, fmt.Errorf("running the Pulumi CLI at %s: %w", bin, err)
	}
	return cli, cleanup, nil
}
