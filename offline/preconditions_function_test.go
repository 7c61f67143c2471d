package offline

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLambdaRefusesADeadLetterQueueItsRoleMayNotSendTo(t *testing.T) {
	w, err := OpenWorld(t.TempDir())
	require.NoError(t, err)
	prod := standInCloud(w, "555555555555")
	require.NoError(t, create(prod, "prod", "aws:iam/role:Role", "fn", map[string]any{"assumeRolePolicy": "{}"}))
	roles, err := w.Of("aws:iam/role:Role")
	require.NoError(t, err)
	require.Len(t, roles, 1)
	role := roles[0]
	fn := map[string]any{"role": role.String("arn"), "deadLetterConfig": map[string]any{"targetArn": "arn:aws:sqs:us-west-2:555555555555:fn-dlq"}}

	requireRefusal(t, create(prod, "prod", "aws:lambda/function:Function", "fn", fn), "lambda-dead-letter-permission-before-function", "InvalidParameterValueException")
	// A policy of another action does not do.
	require.NoError(t, create(prod, "prod", "aws:iam/rolePolicy:RolePolicy", "logs", map[string]any{"role": role.ID,
		"policy": `{"Statement":[{"Effect":"Allow","Action":"logs:PutLogEvents","Resource":"*"}]}`}))
	requireRefusal(t, create(prod, "prod", "aws:lambda/function:Function", "fn", fn), "lambda-dead-letter-permission-before-function", "InvalidParameterValueException")
	require.NoError(t, create(prod, "prod", "aws:iam/rolePolicy:RolePolicy", "dlq", map[string]any{"role": role.ID,
		"policy": `{"Statement":[{"Effect":"Allow","Action":["sqs:SendMessage"],"Resource":["arn:aws:sqs:us-west-2:555555555555:fn-*"]}]}`}))
	require.NoError(t, create(prod, "prod", "aws:lambda/function:Function", "fn", fn))
}
