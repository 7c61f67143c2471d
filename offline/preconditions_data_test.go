package offline

import (
	"errors"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dataCloud is the stand-in cloud of account in us-west-2, remembering in
// w.
func dataCloud(w *World, account string) *Cloud {
	return NewCloud(map[string]any{"region": "us-west-2", "allowedAccountIds": []any{account}}).Remember(w)
}

// dataCreate creates a resource of typ named name in the prod stack and
// returns its id and state.
func dataCreate(c *Cloud, typ, name string, inputs map[string]any) (string, resource.PropertyMap, error) {
	return c.Create(resource.URN("urn:pulumi:prod::refarch::"+typ+"::"+name), resource.NewPropertyMapFromMap(inputs))
}

// dataRequireRefusal requires err to be the stand-in's refusal of rule
// with code.
func dataRequireRefusal(t *testing.T, err error, rule, code string) {
	t.Helper()
	var refusal *Refusal
	require.True(t, errors.As(err, &refusal), "want AWS's refusal, got %v", err)
	assert.Equal(t, rule, refusal.Rule)
	assert.Equal(t, code, refusal.Code)
	assert.Contains(t, err.Error(), code)
}

func TestRDSLogGroupIsRefusedOnceTheInstanceExportsToIt(t *testing.T) {
	w, err := OpenWorld(t.TempDir())
	require.NoError(t, err)
	prod := dataCloud(w, "555555555555")
	group := func(id, log string) map[string]any {
		return map[string]any{"name": "/aws/rds/instance/" + id + "/" + log, "retentionInDays": 365}
	}

	// Before the instance: accepted (the program's order).
	_, _, err = dataCreate(prod, "aws:cloudwatch/logGroup:LogGroup", "db-postgresql", group("db", "postgresql"))
	require.NoError(t, err)
	_, _, err = dataCreate(prod, "aws:rds/instance:Instance", "db", map[string]any{"identifier": "db", "engine": "postgres",
		"enabledCloudwatchLogsExports": []any{"postgresql", "upgrade"}})
	require.NoError(t, err)

	// After it: RDS has created the group of every log it exports.
	_, _, err = dataCreate(prod, "aws:cloudwatch/logGroup:LogGroup", "db-upgrade", group("db", "upgrade"))
	dataRequireRefusal(t, err, "rds-log-groups-created-before-instance", "ResourceAlreadyExistsException")
	assert.Contains(t, err.Error(), "/aws/rds/instance/db/upgrade")

	// Not a log it exports, another instance, another account: accepted.
	for name, in := range map[string]map[string]any{
		"db-iam":     group("db", "iam-db-auth-error"),
		"other":      group("other", "postgresql"),
		"app-events": {"name": "/app/events"},
	} {
		_, _, err = dataCreate(prod, "aws:cloudwatch/logGroup:LogGroup", name, in)
		require.NoError(t, err, name)
	}
	_, _, err = dataCreate(dataCloud(w, "444444444444"), "aws:cloudwatch/logGroup:LogGroup", "db-upgrade", group("db", "upgrade"))
	require.NoError(t, err, "the instance is prod's")
}

func TestSecretRotationIsRefusedUntilSecretsManagerMayInvokeTheFunction(t *testing.T) {
	w, err := OpenWorld(t.TempDir())
	require.NoError(t, err)
	prod := dataCloud(w, "555555555555")
	_, fn, err := dataCreate(prod, "aws:lambda/function:Function", "rotator", map[string]any{"name": "refarch-prod-secret-rotator"})
	require.NoError(t, err)
	fnARN := fn["arn"].StringValue()
	_, secret, err := dataCreate(prod, "aws:secretsmanager/secret:Secret", "refarch-prod-db/master", map[string]any{"name": "refarch-prod-db/master"})
	require.NoError(t, err)
	secretARN := secret["arn"].StringValue()
	rotation := map[string]any{"secretId": secretARN, "rotationLambdaArn": fnARN, "rotationRules": map[string]any{"automaticallyAfterDays": 30}}

	_, _, err = dataCreate(prod, "aws:secretsmanager/secretRotation:SecretRotation", "db-master-rotation", rotation)
	dataRequireRefusal(t, err, "secretsmanager-rotation-after-lambda-permission", "AccessDeniedException")

	// A permission for another principal, or for other secrets, does not do.
	permission := func(principal, source string) map[string]any {
		return map[string]any{"function": "refarch-prod-secret-rotator", "action": "lambda:InvokeFunction", "principal": principal,
			"sourceArn": source, "sourceAccount": "555555555555"}
	}
	_, _, err = dataCreate(prod, "aws:lambda/permission:Permission", "sns", permission("sns.amazonaws.com", secretARN))
	require.NoError(t, err)
	_, _, err = dataCreate(prod, "aws:lambda/permission:Permission", "backend", permission("secretsmanager.amazonaws.com",
		"arn:aws:secretsmanager:us-west-2:555555555555:secret:prod/backend/*"))
	require.NoError(t, err)
	_, _, err = dataCreate(prod, "aws:secretsmanager/secretRotation:SecretRotation", "db-master-rotation", rotation)
	dataRequireRefusal(t, err, "secretsmanager-rotation-after-lambda-permission", "AccessDeniedException")

	// The secret's own permission (by the function's name): accepted.
	_, _, err = dataCreate(prod, "aws:lambda/permission:Permission", "database", permission("secretsmanager.amazonaws.com", secretARN))
	require.NoError(t, err)
	_, _, err = dataCreate(prod, "aws:secretsmanager/secretRotation:SecretRotation", "db-master-rotation", rotation)
	require.NoError(t, err)

	// A backend secret matches the wildcard permission.
	backend := map[string]any{"secretId": "arn:aws:secretsmanager:us-west-2:555555555555:secret:prod/backend/SESSION_SIGNING_KEY-AbCdEf", "rotationLambdaArn": fnARN}
	_, _, err = dataCreate(prod, "aws:secretsmanager/secretRotation:SecretRotation", "backend-rotation", backend)
	require.NoError(t, err)
	// Another account's function has no permission in this one.
	_, _, err = dataCreate(dataCloud(w, "444444444444"), "aws:secretsmanager/secretRotation:SecretRotation", "db-master-rotation", rotation)
	dataRequireRefusal(t, err, "secretsmanager-rotation-after-lambda-permission", "AccessDeniedException")
}

func TestDataFunctionNameAndGlob(t *testing.T) {
	for ref, want := range map[string]string{
		"rotator": "rotator",
		"arn:aws:lambda:us-west-2:555555555555:function:rotator":      "rotator",
		"arn:aws:lambda:us-west-2:555555555555:function:rotator:live": "rotator",
		"arn:aws:lambda:us-west-2:555555555555:function/rotator":      "rotator",
		"555555555555:function:rotator":                               "rotator",
	} {
		assert.Equal(t, want, FunctionName(ref), ref)
	}
	assert.True(t, dataGlob("arn:aws:secretsmanager:*:secret:prod/backend/*", "arn:aws:secretsmanager:us-west-2:1:secret:prod/backend/K-AbC"))
	assert.False(t, dataGlob("arn:aws:secretsmanager:*:secret:prod/backend/*", "arn:aws:secretsmanager:us-west-2:1:secret:prod/db/master-AbC"))
	assert.True(t, dataGlob("a?c", "abc"))
	assert.False(t, dataGlob("a.c", "abc"), "a dot is a dot")
}
