package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
)

// rdsAPI is what the function asks of RDS about one instance.
type rdsAPI interface {
	// DescribeDBInstance is DescribeDBInstances of one identifier.
	DescribeDBInstance(ctx context.Context, identifier string) (*dbInstance, error)
	// ModifyMasterUserPassword is ModifyDBInstance with a new
	// MasterUserPassword, applied immediately.
	ModifyMasterUserPassword(ctx context.Context, in modifyPassword) error
}

// dbInstance is what DescribeDBInstances says of an instance, as far as a
// master password rotation reads it.
// Source: https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBInstance.html
type dbInstance struct {
	Identifier, Status, Engine string
	Address                    string
	Port                       int
	MasterUsername, DBName     string
	// ReplicaSourceIdentifier is set on a read replica.
	ReplicaSourceIdentifier string
	// PendingMasterUserPassword: a new master password is requested and
	// not yet applied (PendingModifiedValues.MasterUserPassword).
	PendingMasterUserPassword bool
	// ManagedSecretARN is the secret in which RDS manages the password
	// (MasterUserSecret), "" when RDS does not.
	ManagedSecretARN string
}

// modifyPassword is a ModifyDBInstance setting a new master password.
type modifyPassword struct {
	Identifier, Password string
	// StopManaging turns off RDS's management of the password in Secrets
	// Manager in the same call (ManageMasterUserPassword false), which RDS
	// requires to come with a new MasterUserPassword.
	StopManaging bool
}

// sdkRDS is rdsAPI over the AWS SDK's RDS client.
// Sources: https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBInstances.html,
// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBInstance.html
type sdkRDS struct {
	client *rds.Client
}

// newSDKRDS builds the client of cfg's region (or cfg.BaseEndpoint).
func newSDKRDS(cfg aws.Config) (*sdkRDS, error) {
	if cfg.Region == "" {
		return nil, errors.New("RDS client: no region")
	}
	if cfg.Credentials == nil {
		return nil, errors.New("RDS client: no credentials")
	}
	return &sdkRDS{client: rds.NewFromConfig(cfg)}, nil
}

// DescribeDBInstance implements rdsAPI.
func (q *sdkRDS) DescribeDBInstance(ctx context.Context, identifier string) (*dbInstance, error) {
	out, err := q.client.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(identifier)})
	if err != nil {
		return nil, fmt.Errorf("DescribeDBInstances: %w", err)
	}
	if len(out.DBInstances) != 1 || aws.ToString(out.DBInstances[0].DBInstanceIdentifier) != identifier {
		return nil, fmt.Errorf("DescribeDBInstances: %d instances for %s", len(out.DBInstances), identifier)
	}
	i := out.DBInstances[0]
	db := &dbInstance{
		Identifier: identifier, Status: aws.ToString(i.DBInstanceStatus), Engine: aws.ToString(i.Engine),
		MasterUsername: aws.ToString(i.MasterUsername), DBName: aws.ToString(i.DBName),
		ReplicaSourceIdentifier: aws.ToString(i.ReadReplicaSourceDBInstanceIdentifier),
	}
	if i.Endpoint != nil {
		db.Address = aws.ToString(i.Endpoint.Address)
		db.Port = int(aws.ToInt32(i.Endpoint.Port))
	}
	if i.PendingModifiedValues != nil {
		db.PendingMasterUserPassword = aws.ToString(i.PendingModifiedValues.MasterUserPassword) != ""
	}
	if i.MasterUserSecret != nil {
		db.ManagedSecretARN = aws.ToString(i.MasterUserSecret.SecretArn)
	}
	return db, nil
}

// ModifyMasterUserPassword implements rdsAPI.
func (q *sdkRDS) ModifyMasterUserPassword(ctx context.Context, in modifyPassword) error {
	req := &rds.ModifyDBInstanceInput{
		DBInstanceIdentifier: aws.String(in.Identifier),
		MasterUserPassword:   aws.String(in.Password),
		ApplyImmediately:     aws.Bool(true),
	}
	if in.StopManaging {
		req.ManageMasterUserPassword = aws.Bool(false)
	}
	if _, err := q.client.ModifyDBInstance(ctx, req); err != nil {
		return fmt.Errorf("ModifyDBInstance: %w", err)
	}
	return nil
}
