package diagram

import (
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/refarch/refarch/offline"
)

// topics draws the SNS topics in their account's alerts.
func (b *builder) topics() {
	for _, r := range b.ix.of(topicType) {
		name := r.String("name")
		if name == "" {
			name = r.Name
		}
		id := b.g.id(r.URN, "topic", r.Name)
		b.g.addNode(id, rounded, b.area(b.ix.accountOf(r), "alerts"), 2, "SNS "+name, b.regionNote(r))
		b.nodeOf[r.URN] = id
	}
}

// topicNode returns the node of the topic an ARN names, or a node for a
// topic of another stack (named by the stack output that exports it).
func (b *builder) topicNode(arn string) string {
	if t := b.ix.resolve(arn, topicType); t != nil {
		return b.nodeOf[t.URN]
	}
	if arn == "" {
		return ""
	}
	acct := arnAccount(arn)
	if acct == "" {
		acct = b.ix.home
	}
	lines := []string{"SNS " + arnName(arn)}
	if out := b.ix.outputs[arn]; out != "" {
		lines = append(lines, "output "+out)
	}
	return b.g.addNode(b.g.id("topic:"+arn, "topic", arnName(arn)), rounded, b.area(acct, "alerts"), 2, lines...).id
}

// targetNode returns the node an EventBridge target or alarm action ARN
// names: a topic, a function, a queue (drawn in the account's area, "fns"
// or "alerts"); "" for anything else.
func (b *builder) targetNode(arn, area string) (node, service string) {
	switch {
	case b.ix.resolve(arn, topicType) != nil || strings.HasPrefix(arn, "arn:aws:sns:"):
		return b.topicNode(arn), "sns"
	case b.ix.resolve(arn, fnType) != nil || strings.HasPrefix(arn, "arn:aws:lambda:"):
		return b.fnNode(arn), "lambda"
	case b.ix.resolve(arn, queueType) != nil || strings.HasPrefix(arn, "arn:aws:sqs:"):
		return b.queueNode(arn, area), "sqs"
	}
	return "", ""
}

// queueNode draws an SQS queue something links to, in an area of its
// account.
func (b *builder) queueNode(arn, area string) string {
	name, acct := arnName(arn), arnAccount(arn)
	key, idName := "queue:"+arn, name
	if q := b.ix.resolve(arn, queueType); q != nil {
		if id := b.nodeOf[q.URN]; id != "" {
			return id
		}
		key, acct, idName = q.URN, b.ix.accountOf(q), q.Name
		if n := q.String("name"); n != "" {
			name = n
		}
	}
	if acct == "" {
		acct = b.ix.home
	}
	id := b.g.addNode(b.g.id(key, "sqs", idName), box, b.area(acct, area), 3, "SQS "+name).id
	if strings.HasPrefix(key, "urn:") {
		b.nodeOf[key] = id
	}
	return id
}

// alarmKinds are the alarm states whose actions an alarm names
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html).
var alarmKinds = []struct{ key, state string }{
	{"alarmActions", "ALARM"},
	{"okActions", "OK"},
	{"insufficientDataActions", "INSUFFICIENT_DATA"},
}

// alarms draws the CloudWatch alarms counted: one node per set of targets
// and states, with the namespaces the alarms watch, linked to each target.
func (b *builder) alarms() {
	type bunch struct {
		account    string
		count      int
		namespaces map[string]int
		targets    map[string][]string // target node → states
	}
	bunches := map[string]*bunch{}
	for _, r := range b.ix.of("aws:cloudwatch/metricAlarm:MetricAlarm", "aws:cloudwatch/compositeAlarm:CompositeAlarm") {
		targets := map[string][]string{}
		for _, k := range alarmKinds {
			for _, arn := range r.Strings(k.key) {
				if node, _ := b.targetNode(arn, "alerts"); node != "" {
					targets[node] = appendNew(targets[node], k.state)
				}
			}
		}
		var key []string
		for _, t := range sortedKeys(targets) {
			key = append(key, t+"="+strings.Join(targets[t], "+"))
		}
		k := strings.Join(key, ",")
		bu := bunches[k]
		if bu == nil {
			bu = &bunch{account: b.ix.accountOf(r), namespaces: map[string]int{}, targets: targets}
			bunches[k] = bu
		}
		bu.count++
		bu.namespaces[alarmNamespace(r)]++
	}
	for _, k := range sortedKeys(bunches) {
		bu := bunches[k]
		name := "none"
		if k != "" {
			name = k
		}
		id := b.g.id("alarms:"+k, "alarms", shortKey(name))
		title := plural(bu.count, "CloudWatch alarm", "CloudWatch alarms")
		if k == "" {
			title += " without actions"
		}
		lines := append([]string{title}, namespaceLines(bu.namespaces)...)
		b.g.addNode(id, box, b.area(bu.account, "alerts"), 0, lines...)
		for _, t := range sortedKeys(bu.targets) {
			b.g.link(id, t, solid, strings.Join(bu.targets[t], ", "))
		}
	}
}

// shortKey makes a readable id part from an alarm bunch's key: its
// targets' ids and states.
func shortKey(k string) string {
	return strings.NewReplacer("topic_", "", "=", " ", "+", " ", ",", " ").Replace(k)
}

// alarmNamespace is the metric namespace an alarm watches: its own, its
// first metric query's, "composite" for a composite alarm.
func alarmNamespace(r *offline.Resource) string {
	if r.Type == "aws:cloudwatch/compositeAlarm:CompositeAlarm" {
		return "composite"
	}
	if ns := r.String("namespace"); ns != "" {
		return ns
	}
	for _, raw := range r.List("metricQueries") {
		if ns := str(lookup(raw, "metric.namespace")); ns != "" {
			return ns
		}
	}
	return "metric math"
}

// namespaceLines writes the namespace counts, most first, three a line,
// without the "AWS/" of AWS's own.
func namespaceLines(counts map[string]int) []string {
	names := sortedKeys(counts)
	sort.SliceStable(names, func(i, j int) bool { return counts[names[i]] > counts[names[j]] })
	var lines, line []string
	for _, n := range names {
		line = append(line, fmt.Sprintf("%s %d", strings.TrimPrefix(n, "AWS/"), counts[n]))
		if len(line) == 3 {
			lines = append(lines, strings.Join(line, " · "))
			line = nil
		}
	}
	if len(line) > 0 {
		lines = append(lines, strings.Join(line, " · "))
	}
	return lines
}

// eventRules draws the EventBridge rules that have targets, with what they
// match, linked to their targets.
func (b *builder) eventRules() {
	targets := map[string][]string{} // rule URN → target nodes
	services := map[string]string{}
	for _, t := range b.ix.of("aws:cloudwatch/eventTarget:EventTarget") {
		rule := b.ix.resolve(t.String("rule"), "aws:cloudwatch/eventRule:EventRule")
		if rule == nil {
			continue
		}
		if node, svc := b.targetNode(t.String("arn"), "alerts"); node != "" {
			targets[rule.URN] = appendNew(targets[rule.URN], node)
			services[node] = svc
		}
	}
	for _, r := range b.ix.of("aws:cloudwatch/eventRule:EventRule") {
		ts := targets[r.URN]
		if len(ts) == 0 {
			continue
		}
		name := r.String("name")
		if name == "" {
			name = r.Name
		}
		match := r.String("scheduleExpression")
		if pattern, err := r.JSON("eventPattern"); err == nil {
			match = join(" · ", strings.Join(offline.Strings(lookup(pattern, "source")), ", "), strings.Join(offline.Strings(lookup(pattern, "detail-type")), ", "))
		}
		id := b.g.id(r.URN, "rule", r.Name)
		b.g.addNode(id, stadium, b.areaOf(ts[0], b.ix.accountOf(r)), 1, "EventBridge rule "+name, match)
		for _, t := range ts {
			b.g.link(id, t, solid, "")
			if services[t] == "lambda" {
				b.cover(t, "events")
			}
		}
	}
}

// areaOf returns the subgraph a trigger sits in: its target's, when that
// is a functions or alerts subgraph, else the account.
func (b *builder) areaOf(target, acct string) string {
	if n, ok := b.g.nodes[target]; ok {
		if strings.HasPrefix(n.group, "fns_") || strings.HasPrefix(n.group, "alerts_") {
			return n.group
		}
	}
	return b.account(acct)
}

// schedules draws EventBridge Scheduler schedules and their targets
// (https://docs.aws.amazon.com/scheduler/latest/UserGuide/what-is-scheduler.html).
func (b *builder) schedules() {
	for _, r := range b.ix.of("aws:scheduler/schedule:Schedule") {
		target, svc := b.targetNode(r.String("target.arn"), "fns")
		if target == "" {
			continue
		}
		id := b.g.id(r.URN, "sched", r.Name)
		b.g.addNode(id, stadium, b.areaOf(target, b.ix.accountOf(r)), 1, "EventBridge Scheduler", r.String("scheduleExpression"))
		b.g.link(id, target, solid, "")
		if svc == "lambda" {
			b.cover(target, "scheduler")
		}
	}
}

// rotations draws the Secrets Manager rotations that invoke a function
// (https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotating-secrets.html).
func (b *builder) rotations() {
	for _, r := range b.ix.of("aws:secretsmanager/secretRotation:SecretRotation") {
		fn := b.fnNode(r.String("rotationLambdaArn"))
		if fn == "" {
			continue
		}
		secret := r.String("secretId")
		if s := b.ix.resolve(secret, "aws:secretsmanager/secret:Secret"); s != nil {
			secret = s.String("name")
			if secret == "" {
				secret = s.Name
			}
		}
		every := r.String("rotationRules.scheduleExpression")
		if days := num(r.Get("rotationRules.automaticallyAfterDays")); days != "" {
			every = "every " + days + " days"
		}
		id := b.g.id(r.URN, "rot", r.Name)
		b.g.addNode(id, stadium, b.areaOf(fn, b.ix.accountOf(r)), 1, "Secrets Manager rotation", secret, every)
		b.g.link(id, fn, solid, "")
		b.cover(fn, "secretsmanager")
	}
}

// subscriptions links each topic to its subscribers: functions, queues,
// addresses and endpoints, and to any resource that names it in
// snsTopicArns (AWS Chatbot's channel configurations).
func (b *builder) subscriptions() {
	for _, r := range b.ix.of("aws:sns/topicSubscription:TopicSubscription") {
		topic := b.topicNode(r.String("topic"))
		if topic == "" {
			continue
		}
		protocol, endpoint := r.String("protocol"), r.String("endpoint")
		var sub string
		switch protocol {
		case "lambda":
			sub = b.fnNode(endpoint)
			b.cover(sub, "sns")
		case "sqs":
			sub = b.queueNode(endpoint, "alerts")
		default:
			shown := endpoint
			if u, err := url.Parse(endpoint); err == nil && (u.Scheme == "https" || u.Scheme == "http") {
				shown = u.Scheme + "://" + u.Host // never a path's token
			} else if strings.HasPrefix(endpoint, "arn:") {
				shown = arnName(endpoint)
			}
			if endpoint == offline.SecretMask || shown == "" {
				shown = protocol + " endpoint"
			}
			acct := b.ix.accountOf(r)
			if n, ok := b.g.nodes[topic]; ok && strings.HasPrefix(n.group, "alerts_") {
				sub = b.g.addNode(b.g.id("sub:"+protocol+":"+shown, "sub", shown), rounded, n.group, 3, shown).id
			} else {
				sub = b.g.addNode(b.g.id("sub:"+protocol+":"+shown, "sub", shown), rounded, b.area(acct, "alerts"), 3, shown).id
			}
		}
		b.g.link(topic, sub, solid, protocol)
	}
	for _, r := range b.ix.resources {
		arns := r.Strings("snsTopicArns")
		if len(arns) == 0 || r.Type == "aws:cloudwatch/metricAlarm:MetricAlarm" {
			continue
		}
		name := r.String("configurationName")
		if name == "" {
			name = r.Name
		}
		module := r.Type
		if i := strings.Index(module, ":"); i >= 0 {
			module = module[i+1:]
		}
		if i := strings.Index(module, "/"); i >= 0 {
			module = module[:i]
		}
		id := b.g.id(r.URN, "sub", r.Name)
		b.g.addNode(id, rounded, b.area(b.ix.accountOf(r), "alerts"), 3, typeName(r.Type)+" "+name)
		for _, arn := range arns {
			b.g.link(b.topicNode(arn), id, solid, module)
		}
	}
}

// eventSources links queues, streams and tables to the functions their
// event source mappings invoke.
func (b *builder) eventSources() {
	for _, r := range b.ix.of("aws:lambda/eventSourceMapping:EventSourceMapping") {
		fn := b.fnNode(r.String("functionName"))
		arn := r.String("eventSourceArn")
		if fn == "" || arn == "" {
			continue
		}
		src, _ := b.targetNode(arn, "fns")
		if src == "" {
			id := b.g.id("source:"+arn, "src", arnName(arn))
			src = b.g.addNode(id, stadium, b.areaOf(fn, b.ix.accountOf(r)), 1, arnPart(arn, 2)+" "+arnName(arn)).id
		}
		b.g.link(src, fn, solid, "event source")
	}
}

// bucketNotifications links buckets to the functions their notifications
// invoke.
func (b *builder) bucketNotifications() {
	for _, r := range b.ix.of("aws:s3/bucketNotification:BucketNotification") {
		bucket := b.ix.resolve(r.String("bucket"), bucketTypes...)
		if bucket == nil {
			continue
		}
		for _, raw := range r.List("lambdaFunctions") {
			fn := b.fnNode(str(lookup(raw, "lambdaFunctionArn")))
			b.g.link(b.bucketNode(bucket), fn, solid, strings.Join(offline.Strings(lookup(raw, "events")), ", "))
			b.cover(fn, "s3")
		}
	}
}

// permissions draws, for each invoke permission no trigger above accounts
// for, its principal and source as what triggers the function
// (https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html).
func (b *builder) permissions() {
	for _, r := range b.ix.of("aws:lambda/permission:Permission") {
		fn := b.fnNode(r.String("function"))
		if fn == "" {
			continue
		}
		principal := r.String("principal")
		service := strings.TrimSuffix(principal, ".amazonaws.com")
		if b.covered[fn][service] {
			continue
		}
		source := r.String("sourceArn")
		if node, _ := b.targetNode(source, "fns"); node != "" {
			b.g.link(node, fn, solid, service)
			continue
		}
		id := b.g.id(r.URN, "src", r.Name)
		b.g.addNode(id, stadium, b.areaOf(fn, b.ix.accountOf(r)), 1, join(" ", service, arnName(source)))
		b.g.link(id, fn, solid, "")
	}
}
