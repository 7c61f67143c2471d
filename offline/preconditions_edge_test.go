package offline

import (
	"errors"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// edgeCloud is the stand-in cloud of prod's provider (us-west-2),
// remembering in a fresh world.
func edgeCloud(t *testing.T) *Cloud {
	t.Helper()
	w, err := OpenWorld(t.TempDir())
	require.NoError(t, err)
	return NewCloud(map[string]any{"region": "us-west-2", "allowedAccountIds": []any{"555555555555"}}).Remember(w)
}

// edgeCreate creates a resource of typ named name in prod.
func edgeCreate(c *Cloud, typ, name string, inputs map[string]any) error {
	urn := resource.URN("urn:pulumi:prod::refarch::" + typ + "::" + name)
	_, _, err := c.Create(urn, resource.NewPropertyMapFromMap(inputs))
	return err
}

// edgeRefused requires err to be AWS's refusal of rule, with code.
func edgeRefused(t *testing.T, err error, rule, code string) {
	t.Helper()
	var refusal *Refusal
	require.True(t, errors.As(err, &refusal), "want AWS's refusal, got %v", err)
	assert.Equal(t, rule, refusal.Rule)
	assert.Equal(t, code, refusal.Code)
}

// edgePolicy is a bucket policy allowing s3:PutObject to a service.
func edgePolicy(bucket, service string) map[string]any {
	return map[string]any{"bucket": bucket, "policy": `{"Version":"2012-10-17","Statement":[` +
		`{"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":{"AWS":["*"]},"Action":["s3:*"],"Resource":["arn:aws:s3:::` + bucket + `/*"]},` +
		`{"Sid":"Delivery","Effect":"Allow","Principal":{"Service":["` + service + `"]},"Action":["s3:PutObject"],"Resource":["arn:aws:s3:::` + bucket + `/*"]}]}`}
}

func TestS3AccessLoggingWaitsForTheTargetsPolicy(t *testing.T) {
	c := edgeCloud(t)
	// The target bucket exists (s3-access-logging-after-target-bucket), but
	// does not admit S3's logging service yet.
	require.NoError(t, edgeCreate(c, "aws:s3/bucketV2:BucketV2", "logs", map[string]any{"bucket": "logs"}))
	logging := map[string]any{"bucket": "assets", "targetBucket": "logs", "targetPrefix": "s3-access/assets/"}
	edgeRefused(t, edgeCreate(c, "aws:s3/bucketLoggingV2:BucketLoggingV2", "assets", logging), "s3-access-logging-after-target-policy", SilentFailure)

	// A policy for another service, or of another bucket, is not enough.
	require.NoError(t, edgeCreate(c, "aws:s3/bucketPolicy:BucketPolicy", "logs-cdn", edgePolicy("logs", "cloudfront.amazonaws.com")))
	require.NoError(t, edgeCreate(c, "aws:s3/bucketPolicy:BucketPolicy", "other", edgePolicy("other", "logging.s3.amazonaws.com")))
	edgeRefused(t, edgeCreate(c, "aws:s3/bucketLoggingV2:BucketLoggingV2", "assets", logging), "s3-access-logging-after-target-policy", SilentFailure)

	require.NoError(t, edgeCreate(c, "aws:s3/bucketPolicy:BucketPolicy", "logs", edgePolicy("logs", "logging.s3.amazonaws.com")))
	require.NoError(t, edgeCreate(c, "aws:s3/bucketLoggingV2:BucketLoggingV2", "assets", logging), "the target admits S3's logging service")
}

func TestLoadBalancerAccessLogsWaitForTheBucketPolicy(t *testing.T) {
	c := edgeCloud(t)
	lb := map[string]any{"loadBalancerType": "application", "accessLogs": map[string]any{"enabled": true, "bucket": "lblogs", "prefix": "public"}}
	edgeRefused(t, edgeCreate(c, "aws:lb/loadBalancer:LoadBalancer", "public", lb), "alb-after-access-log-bucket-policy", "InvalidConfigurationRequest")
	require.NoError(t, edgeCreate(c, "aws:lb/loadBalancer:LoadBalancer", "quiet", map[string]any{"loadBalancerType": "application"}), "no access logs, nothing to test")

	require.NoError(t, edgeCreate(c, "aws:s3/bucketPolicy:BucketPolicy", "lblogs", edgePolicy("lblogs", "logdelivery.elasticloadbalancing.amazonaws.com")))
	require.NoError(t, edgeCreate(c, "aws:lb/loadBalancer:LoadBalancer", "public", lb), "the bucket admits Elastic Load Balancing")

	// The legacy principal, the region's Elastic Load Balancing account, is admitted too.
	legacy := map[string]any{"bucket": "legacy", "policy": `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::797873946194:root"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::legacy/*"}]}`}
	require.NoError(t, edgeCreate(c, "aws:s3/bucketPolicy:BucketPolicy", "legacy", legacy))
	require.NoError(t, edgeCreate(c, "aws:lb/loadBalancer:LoadBalancer", "old", map[string]any{"accessLogs": map[string]any{"enabled": true, "bucket": "legacy"}}))
}

func TestLambdaTargetWaitsForTheInvokePermission(t *testing.T) {
	c := edgeCloud(t)
	const group = "arn:aws:elasticloadbalancing:us-west-2:555555555555:targetgroup/lambda-1/0123"
	attach := map[string]any{"targetGroupArn": group, "targetId": "arn:aws:lambda:us-west-2:555555555555:function:hello"}
	edgeRefused(t, edgeCreate(c, "aws:lb/targetGroupAttachment:TargetGroupAttachment", "hello", attach), "alb-lambda-target-after-invoke-permission", "AccessDenied")

	// A permission for another target group does not count.
	require.NoError(t, edgeCreate(c, "aws:lambda/permission:Permission", "other", map[string]any{
		"function": "hello", "principal": "elasticloadbalancing.amazonaws.com", "sourceArn": group + "-other"}))
	edgeRefused(t, edgeCreate(c, "aws:lb/targetGroupAttachment:TargetGroupAttachment", "hello", attach), "alb-lambda-target-after-invoke-permission", "AccessDenied")

	require.NoError(t, edgeCreate(c, "aws:lambda/permission:Permission", "hello-load-balancer", map[string]any{
		"function": "hello", "principal": "elasticloadbalancing.amazonaws.com", "action": "lambda:InvokeFunction", "sourceArn": group}))
	require.NoError(t, edgeCreate(c, "aws:lb/targetGroupAttachment:TargetGroupAttachment", "hello", attach))
	require.NoError(t, edgeCreate(c, "aws:lb/targetGroupAttachment:TargetGroupAttachment", "task", map[string]any{"targetGroupArn": group, "targetId": "10.0.0.5"}),
		"an IP target needs no permission")
}

func TestHTTPSListenerWaitsForTheCertificatesValidation(t *testing.T) {
	c := edgeCloud(t)
	const (
		cert = "arn:aws:acm:us-west-2:555555555555:certificate/0123"
		lb   = "arn:aws:elasticloadbalancing:us-west-2:555555555555:loadbalancer/app/public-1234567/0123456789abcdef"
	)
	listener := map[string]any{"loadBalancerArn": lb, "protocol": "HTTPS", "port": 443, "certificateArn": cert, "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06"}
	edgeRefused(t, edgeCreate(c, "aws:lb/listener:Listener", "https", listener), "alb-https-listener-after-certificate-validation", "CertificateNotFound")
	require.NoError(t, edgeCreate(c, "aws:lb/listener:Listener", "http", map[string]any{"loadBalancerArn": lb, "protocol": "HTTP", "port": 80}), "plain HTTP needs no certificate")

	require.NoError(t, edgeCreate(c, "aws:acm/certificateValidation:CertificateValidation", "cert", map[string]any{"certificateArn": cert}))
	require.NoError(t, edgeCreate(c, "aws:lb/listener:Listener", "https", listener), "issued")
}

func TestEdgeFunctionNameReadsNamesAndARNs(t *testing.T) {
	for in, want := range map[string]string{
		"hello": "hello",
		"arn:aws:lambda:us-west-2:555555555555:function:hello":      "hello",
		"arn:aws:lambda:us-west-2:555555555555:function:hello:live": "hello",
		"arn:aws:lambda:us-west-2:555555555555:function/hello":      "hello",
	} {
		assert.Equal(t, want, FunctionName(in), in)
	}
}
