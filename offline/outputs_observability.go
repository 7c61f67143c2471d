package offline

import (
	"fmt"
)

// Output mocks of CloudWatch cross-account observability (the Observability
// Access Manager): a sink's and a link's ARNs, shaped as OAM forms them
// (arn:<partition>:oam:<region>:<account>:sink/<id>), and a link's label.
// An account has one sink per region, so the sink's id is derived from its
// account and region: the sink planned in the monitoring stack and the ARN
// the other stacks read from its outputs (offline/stackrefs) agree.
// Source: https://docs.aws.amazon.com/OAM/latest/APIReference/API_CreateSink.html
// Source: https://docs.aws.amazon.com/OAM/latest/APIReference/API_CreateLink.html
func init() {
	registerOutputs("aws:oam/sink:Sink", func(r *Resource, e env, state map[string]any) error {
		state["arn"] = SinkARN(e.Partition, e.Region, e.Account)
		state["sinkId"] = sinkID(e.Region, e.Account)
		return nil
	})
	registerOutputs("aws:oam/link:Link", func(r *Resource, e env, state map[string]any) error {
		id := uuidOf("link/" + r.URN)
		state["arn"] = fmt.Sprintf("arn:%s:oam:%s:%s:link/%s", e.Partition, e.Region, e.Account, id)
		state["linkId"] = id
		if tmpl, ok := state["labelTemplate"].(string); ok {
			// $AccountName resolves to the account's name; the offline
			// cloud knows its id only.
			state["label"] = tmpl
		}
		if sink, ok := state["sinkIdentifier"].(string); ok {
			state["sinkArn"] = sink
		}
		return nil
	})
}

// SinkARN is the ARN of an account's sink in a region.
func SinkARN(partition, region, account string) string {
	return fmt.Sprintf("arn:%s:oam:%s:%s:sink/%s", partition, region, account, sinkID(region, account))
}

func sinkID(region, account string) string { return uuidOf("sink/" + region + "/" + account) }
