package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rdsServer answers as RDS's Query API does, recording the forms posted.
type rdsServer struct {
	mu      sync.Mutex
	forms   []url.Values
	headers []http.Header
	status  int
	answer  string
}

func (s *rdsServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(body))
	s.mu.Lock()
	s.forms = append(s.forms, form)
	s.headers = append(s.headers, r.Header.Clone())
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(s.status)
	_, _ = io.WriteString(w, s.answer)
}

func newTestRDS(t *testing.T, status int, answer string) (*sdkRDS, *rdsServer) {
	t.Helper()
	srv := &rdsServer{status: status, answer: answer}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	q, err := newSDKRDS(aws.Config{
		Region:           "us-west-2",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "session"),
		BaseEndpoint:     aws.String(ts.URL),
		HTTPClient:       ts.Client(),
		RetryMaxAttempts: 1,
	})
	require.NoError(t, err)
	return q, srv
}

// A DescribeDBInstances answer shaped as RDS's (abridged).
// Source: https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBInstances.html
const describeXML = `<DescribeDBInstancesResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/">
  <DescribeDBInstancesResult>
    <DBInstances>
      <DBInstance>
        <DBInstanceIdentifier>refarch-prod-db</DBInstanceIdentifier>
        <DBInstanceStatus>resetting-master-credentials</DBInstanceStatus>
        <Engine>postgres</Engine>
        <MasterUsername>dbadmin</MasterUsername>
        <DBName>app</DBName>
        <Endpoint>
          <Address>refarch-prod-db.c0abcdefghij.us-west-2.rds.amazonaws.com</Address>
          <Port>5432</Port>
          <HostedZoneId>Z1PVIF0B656C1W</HostedZoneId>
        </Endpoint>
        <PendingModifiedValues>
          <MasterUserPassword>****</MasterUserPassword>
        </PendingModifiedValues>
        <MasterUserSecret>
          <SecretArn>` + managedARN + `</SecretArn>
          <SecretStatus>active</SecretStatus>
        </MasterUserSecret>
      </DBInstance>
    </DBInstances>
  </DescribeDBInstancesResult>
  <ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>
</DescribeDBInstancesResponse>`

func TestRDSDescribesAnInstance(t *testing.T) {
	q, srv := newTestRDS(t, http.StatusOK, describeXML)
	db, err := q.DescribeDBInstance(context.Background(), writerID)
	require.NoError(t, err)
	assert.Equal(t, &dbInstance{
		Identifier: writerID, Status: "resetting-master-credentials", Engine: "postgres",
		Address: "refarch-prod-db.c0abcdefghij.us-west-2.rds.amazonaws.com", Port: 5432,
		MasterUsername: "dbadmin", DBName: "app", PendingMasterUserPassword: true, ManagedSecretARN: managedARN,
	}, db)

	require.Len(t, srv.forms, 1)
	assert.Equal(t, url.Values{"Action": {"DescribeDBInstances"}, "Version": {"2014-10-31"}, "DBInstanceIdentifier": {writerID}}, srv.forms[0])
	h := srv.headers[0]
	assert.True(t, strings.HasPrefix(h.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"), h.Get("Authorization"))
	assert.Contains(t, h.Get("Authorization"), "/us-west-2/rds/aws4_request", "signed for RDS in the function's region")
	assert.Equal(t, "session", h.Get("X-Amz-Security-Token"))
}

func TestRDSModifiesTheMasterPassword(t *testing.T) {
	q, srv := newTestRDS(t, http.StatusOK, `<ModifyDBInstanceResponse><ModifyDBInstanceResult><DBInstance><DBInstanceIdentifier>refarch-prod-db</DBInstanceIdentifier></DBInstance></ModifyDBInstanceResult></ModifyDBInstanceResponse>`)
	require.NoError(t, q.ModifyMasterUserPassword(context.Background(), modifyPassword{Identifier: writerID, Password: "Abc-def_123"}))
	require.NoError(t, q.ModifyMasterUserPassword(context.Background(), modifyPassword{Identifier: writerID, Password: "Abc-def_123", StopManaging: true}))
	require.Len(t, srv.forms, 2)
	assert.Equal(t, url.Values{
		"Action": {"ModifyDBInstance"}, "Version": {"2014-10-31"}, "DBInstanceIdentifier": {writerID},
		"MasterUserPassword": {"Abc-def_123"}, "ApplyImmediately": {"true"},
	}, srv.forms[0])
	assert.Equal(t, "false", srv.forms[1].Get("ManageMasterUserPassword"), "turns RDS's management off in the same call")
}

func TestRDSErrors(t *testing.T) {
	q, _ := newTestRDS(t, http.StatusNotFound, `<ErrorResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><Error><Type>Sender</Type><Code>DBInstanceNotFound</Code><Message>DBInstance gone not found.</Message></Error><RequestId>1</RequestId></ErrorResponse>`)
	_, err := q.DescribeDBInstance(context.Background(), "gone")
	var e smithy.APIError
	require.True(t, errors.As(err, &e), "%v", err)
	assert.Equal(t, "DBInstanceNotFound", e.ErrorCode())

	q, _ = newTestRDS(t, http.StatusBadRequest, `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidParameterValue</Code><Message>bad</Message></Error></ErrorResponse>`)
	err = q.ModifyMasterUserPassword(context.Background(), modifyPassword{Identifier: writerID, Password: "Abc-def_123"})
	require.True(t, errors.As(err, &e))
	assert.Equal(t, "InvalidParameterValue", e.ErrorCode())
	assert.NotContains(t, err.Error(), "Abc-def_123", "the password is never in an error")

	q, _ = newTestRDS(t, http.StatusOK, `<DescribeDBInstancesResponse><DescribeDBInstancesResult><DBInstances/></DescribeDBInstancesResult></DescribeDBInstancesResponse>`)
	_, err = q.DescribeDBInstance(context.Background(), writerID)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "0 instances")
}

func TestRDSClientNeedsRegionAndCredentials(t *testing.T) {
	creds := credentials.NewStaticCredentialsProvider("a", "b", "")
	_, err := newSDKRDS(aws.Config{Region: "us-west-2", Credentials: creds})
	require.NoError(t, err)
	_, err = newSDKRDS(aws.Config{Credentials: creds})
	require.ErrorContains(t, err, "no region")
	_, err = newSDKRDS(aws.Config{Region: "us-west-2"})
	require.ErrorContains(t, err, "no credentials")
}
