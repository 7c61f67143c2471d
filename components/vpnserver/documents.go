package vpnserver

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ssm"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// documents creates the SSM Command documents operators run on the server
// (aws ssm send-command) to issue and revoke people's profiles.
// Source: https://docs.aws.amazon.com/systems-manager/latest/userguide/documents-command-ssm-plugin-reference.html
func (b *builder) documents(p *pkiParts) error {
	docs := []struct {
		name   string
		render func(BootConfig) (string, error)
	}{
		{IssueProfileDocument, IssueProfileContent},
		{RevokeProfileDocument, RevokeProfileContent},
	}
	for _, d := range docs {
		render := d.render
		content := pulumi.All(b.eip.AllocationId, p.bucket.Bucket, p.key.Arn, p.logGroup.Name).ApplyT(func(v []any) (string, error) {
			return render(b.bootConfig(v[0].(string), v[1].(string), v[2].(string), v[3].(string)))
		}).(pulumi.StringOutput)
		if _, err := ssm.NewDocument(b.ctx, b.name+"-"+d.name, &ssm.DocumentArgs{
			Name:           pulumi.String(d.name),
			DocumentType:   pulumi.String("Command"),
			DocumentFormat: pulumi.String("JSON"),
			Content:        content,
		}, b.child); err != nil {
			return err
		}
	}
	return nil
}
