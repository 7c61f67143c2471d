package alerttopic

import (
	"fmt"
	"strings"

	"github.com/refarch/refarch/components/keypolicy"
	"github.com/refarch/refarch/components/validate"
)

// DefaultPublishers are the AWS services that publish to an alert topic by
// default: CloudWatch alarms and EventBridge rules (security findings).
var DefaultPublishers = []string{"cloudwatch.amazonaws.com", "events.amazonaws.com"}

// AlertTopicArgs configures an AlertTopic. Zero values mean the default.
type AlertTopicArgs struct {
	// AccountID is the 12-digit id of the account the topic lives in.
	// Required: the topic and key policies admit the publishing services
	// only on behalf of this account (aws:SourceAccount), which is what
	// stops another account's alarm or rule from using the topic.
	AccountID string
	// Region is the topic's region. Required: the key admits the account's
	// own principals only through SNS in this region (kms:ViaService).
	Region string
	// Partition is the ARN partition. Default "aws".
	Partition string
	// KeyAdministrators are the IAM principals (ARNs) that administer the
	// topic's KMS key: change its policy, schedule its deletion, but never
	// use it. Required (at least one, usually the deploy role): a key
	// nobody administers can only be repaired by AWS support.
	KeyAdministrators []string
	// Emails are subscribed to the topic (protocol email; each address must
	// confirm once). Default none: dev may go without recipients.
	Emails []string
	// Publishers are the AWS service principals allowed to publish and to
	// use the key. Default DefaultPublishers (cloudwatch.amazonaws.com,
	// events.amazonaws.com). CloudWatch alarms cannot publish to a topic
	// encrypted with alias/aws/sns, which is why the topic has its own key.
	Publishers []string
	// DisplayName is the sender name of e-mail notifications. Default the
	// component name.
	DisplayName string
	// Protect retains the topic's key when the component is deleted and
	// refuses its deletion through Pulumi. Default false; stacks pass their
	// deletionProtection.
	Protect bool
}

// withDefaults returns a copy of a with every zero value replaced by its
// default; the caller's Args is never modified.
func (a AlertTopicArgs) withDefaults(name string) AlertTopicArgs {
	if a.Partition == "" {
		a.Partition = validate.Partition(a.Region)
	}
	if len(a.Publishers) == 0 {
		a.Publishers = DefaultPublishers
	}
	if a.DisplayName == "" {
		a.DisplayName = name
	}
	a.KeyAdministrators = append([]string(nil), a.KeyAdministrators...)
	a.Emails = append([]string(nil), a.Emails...)
	a.Publishers = append([]string(nil), a.Publishers...)
	return a
}

// MaxNameLength bounds an AlertTopic's name: it names the topic (SNS allows
// 256 characters), its key's alias, and is the topic's default display
// name, which SNS limits to 100.
// Source: https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html
const MaxNameLength = 100

// CheckName returns the rule an AlertTopic's name breaks, or "".
func CheckName(name string) string {
	return validate.CheckName(name, MaxNameLength)
}

// Validate reports every problem of the arguments (with the defaults
// applied) at once.
func (a *AlertTopicArgs) Validate() error {
	return a.withDefaults("").validate()
}

func (a AlertTopicArgs) validate() error {
	var p validate.Problems
	p.Check("Args.AccountID", a.AccountID, validate.CheckAccountID(a.AccountID))
	p.Check("Args.Region", a.Region, validate.CheckRegion(a.Region))
	keypolicy.CheckAdministrators(&p, "Args.KeyAdministrators", a.KeyAdministrators)
	seen := map[string]bool{}
	for i, email := range a.Emails {
		field := fmt.Sprintf("Args.Emails[%d]", i)
		p.Check(field, email, validate.CheckEmail(email))
		if seen[strings.ToLower(email)] {
			p.Add(field, email, "is listed twice: SNS would keep one subscription")
		}
		seen[strings.ToLower(email)] = true
	}
	for i, svc := range a.Publishers {
		if !strings.HasSuffix(svc, ".amazonaws.com") || strings.ContainsAny(svc, " *") {
			p.Add(fmt.Sprintf("Args.Publishers[%d]", i), svc, "must be an AWS service principal such as cloudwatch.amazonaws.com")
		}
	}
	p.Check("Args.DisplayName", a.DisplayName, validate.CheckMaxLength(a.DisplayName, 100, "an SNS display name"))
	return p.Err("alert topic arguments")
}
