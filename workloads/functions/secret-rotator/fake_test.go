package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"
)

// fakeVersion is one version of the fake secret.
type fakeVersion struct {
	value  *string
	stages []string
}

// fakeSecretsManager holds one secret and behaves as the Secrets Manager
// API documents for the calls the rotator makes: staging labels are unique
// to one version, moving AWSCURRENT moves AWSPREVIOUS to the version it
// left, PutSecretValue is idempotent for the same value and refuses a
// different one, GetSecretValue fails with ResourceNotFoundException for a
// version without a value.
// Sources: https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_PutSecretValue.html,
// https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_UpdateSecretVersionStage.html,
// https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html
type fakeSecretsManager struct {
	mu              sync.Mutex
	arn             string
	rotationEnabled bool
	versions        map[string]*fakeVersion
	calls           []string
	puts            []secretsmanager.PutSecretValueInput
	updates         []secretsmanager.UpdateSecretVersionStageInput
	// getErr, when set, is what GetSecretValue returns.
	getErr error
	// tags are the secret's tags.
	tags map[string]string
}

func newFakeSecretsManager(arn string) *fakeSecretsManager {
	return &fakeSecretsManager{arn: arn, rotationEnabled: true, versions: map[string]*fakeVersion{}}
}

// addVersion adds a version holding value (nil: none) with stages, moving
// those labels from any other version.
func (f *fakeSecretsManager) addVersion(id string, value *string, stages ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.versions[id] = &fakeVersion{value: value}
	for _, s := range stages {
		f.moveStage(s, id)
	}
}

// startRotation does what RotateSecret does before invoking the function:
// a new version id labelled AWSPENDING, without a value yet.
func (f *fakeSecretsManager) startRotation(token string) { f.addVersion(token, nil, stagePending) }

func (f *fakeSecretsManager) holder(stage string) string {
	for id, v := range f.versions {
		if slices.Contains(v.stages, stage) {
			return id
		}
	}
	return ""
}

func (f *fakeSecretsManager) moveStage(stage, to string) {
	for _, v := range f.versions {
		v.stages = slices.DeleteFunc(v.stages, func(s string) bool { return s == stage })
	}
	f.versions[to].stages = append(f.versions[to].stages, stage)
}

func (f *fakeSecretsManager) checkID(id *string) error {
	if aws.ToString(id) != f.arn {
		return &types.ResourceNotFoundException{Message: aws.String("Secrets Manager can't find the specified secret.")}
	}
	return nil
}

// stagesOf returns the labels of a version.
func (f *fakeSecretsManager) stagesOf(id string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.versions[id]
	if !ok {
		return nil
	}
	return slices.Sorted(slices.Values(v.stages))
}

// valueOf returns the value of a version, "" if none.
func (f *fakeSecretsManager) valueOf(id string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if v, ok := f.versions[id]; ok {
		return aws.ToString(v.value)
	}
	return ""
}

func (f *fakeSecretsManager) DescribeSecret(_ context.Context, in *secretsmanager.DescribeSecretInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "DescribeSecret")
	if err := f.checkID(in.SecretId); err != nil {
		return nil, err
	}
	stages := map[string][]string{}
	for id, v := range f.versions {
		if len(v.stages) > 0 { // versions without labels are deprecated
			stages[id] = slices.Clone(v.stages)
		}
	}
	var tags []types.Tag
	for _, k := range slices.Sorted(maps.Keys(f.tags)) {
		tags = append(tags, types.Tag{Key: aws.String(k), Value: aws.String(f.tags[k])})
	}
	return &secretsmanager.DescribeSecretOutput{
		ARN:                aws.String(f.arn),
		RotationEnabled:    aws.Bool(f.rotationEnabled),
		VersionIdsToStages: stages,
		Tags:               tags,
	}, nil
}

func (f *fakeSecretsManager) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "GetSecretValue")
	if err := f.checkID(in.SecretId); err != nil {
		return nil, err
	}
	if f.getErr != nil {
		return nil, f.getErr
	}
	notFound := &types.ResourceNotFoundException{Message: aws.String("Secrets Manager can't find the specified secret value for the version.")}
	id := aws.ToString(in.VersionId)
	stage := aws.ToString(in.VersionStage)
	if id == "" {
		if stage == "" {
			stage = stageCurrent
		}
		id = f.holder(stage)
	}
	v, ok := f.versions[id]
	if !ok || v.value == nil || (stage != "" && !slices.Contains(v.stages, stage)) {
		return nil, notFound
	}
	return &secretsmanager.GetSecretValueOutput{
		ARN: aws.String(f.arn), VersionId: aws.String(id),
		SecretString: aws.String(*v.value), VersionStages: slices.Clone(v.stages),
	}, nil
}

func (f *fakeSecretsManager) PutSecretValue(_ context.Context, in *secretsmanager.PutSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.PutSecretValueOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "PutSecretValue")
	if err := f.checkID(in.SecretId); err != nil {
		return nil, err
	}
	f.puts = append(f.puts, *in)
	id := aws.ToString(in.ClientRequestToken)
	if id == "" || in.SecretString == nil {
		return nil, &types.InvalidParameterException{Message: aws.String("ClientRequestToken and SecretString are required here")}
	}
	if v, ok := f.versions[id]; ok && v.value != nil {
		if *v.value != *in.SecretString {
			return nil, &types.ResourceExistsException{Message: aws.String("A resource with the ID you requested already exists.")}
		}
		return &secretsmanager.PutSecretValueOutput{VersionId: aws.String(id)}, nil
	}
	if _, ok := f.versions[id]; !ok {
		f.versions[id] = &fakeVersion{}
	}
	f.versions[id].value = aws.String(*in.SecretString)
	stages := in.VersionStages
	if len(stages) == 0 {
		stages = []string{stageCurrent}
	}
	for _, s := range stages {
		f.moveStage(s, id)
	}
	return &secretsmanager.PutSecretValueOutput{VersionId: aws.String(id), VersionStages: slices.Clone(stages)}, nil
}

func (f *fakeSecretsManager) UpdateSecretVersionStage(_ context.Context, in *secretsmanager.UpdateSecretVersionStageInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.UpdateSecretVersionStageOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "UpdateSecretVersionStage")
	if err := f.checkID(in.SecretId); err != nil {
		return nil, err
	}
	f.updates = append(f.updates, *in)
	stage := aws.ToString(in.VersionStage)
	holder := f.holder(stage)
	invalid := func(format string, args ...any) error {
		return &types.InvalidParameterException{Message: aws.String(fmt.Sprintf(format, args...))}
	}
	if from := aws.ToString(in.RemoveFromVersionId); from != "" && from != holder {
		return nil, invalid("%s is not attached to version %s", stage, from)
	}
	to := aws.ToString(in.MoveToVersionId)
	if to == "" {
		if in.RemoveFromVersionId == nil {
			return nil, invalid("MoveToVersionId or RemoveFromVersionId is required")
		}
		v := f.versions[holder]
		v.stages = slices.DeleteFunc(v.stages, func(s string) bool { return s == stage })
		return &secretsmanager.UpdateSecretVersionStageOutput{}, nil
	}
	if _, ok := f.versions[to]; !ok {
		return nil, &types.ResourceNotFoundException{Message: aws.String("no such version")}
	}
	if holder != "" && holder != to && in.RemoveFromVersionId == nil {
		return nil, invalid("%s is attached to version %s: RemoveFromVersionId is required", stage, holder)
	}
	f.moveStage(stage, to)
	if stage == stageCurrent && holder != "" && holder != to {
		f.moveStage("AWSPREVIOUS", holder)
	}
	return &secretsmanager.UpdateSecretVersionStageOutput{}, nil
}

// fakeRDS holds instances and behaves as RDS documents for the calls the
// rotator makes: ModifyDBInstance refuses an instance that is not
// available, a replica's password, a password RDS refuses, and a password
// while RDS manages it unless the call turns that off; a new password is
// pending (status resetting-master-credentials) for applyAfter polls of
// DescribeDBInstances, then applied.
// Sources: https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/rds/aws.sdk.kotlin.services.rds.model/-modify-db-instance-request/master-user-password.html,
// https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/rds/aws.sdk.kotlin.services.rds.model/-modify-db-instance-request/manage-master-user-password.html,
// https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/accessing-monitoring.html
type fakeRDS struct {
	mu        sync.Mutex
	instances map[string]*dbInstance
	// passwords are the master passwords the instances have applied.
	passwords map[string]string
	// pending are the requested, not yet applied passwords, with the
	// polls left before they apply.
	pending    map[string]string
	pollsLeft  map[string]int
	applyAfter int
	calls      []string
	modifies   []modifyPassword
	// busyPolls keeps an instance in status "modifying" for that many
	// polls.
	busyPolls map[string]int
}

func newFakeRDS() *fakeRDS {
	return &fakeRDS{
		instances: map[string]*dbInstance{}, passwords: map[string]string{}, pending: map[string]string{},
		pollsLeft: map[string]int{}, busyPolls: map[string]int{}, applyAfter: 2,
	}
}

func (f *fakeRDS) add(db dbInstance) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.instances[db.Identifier] = &db
}

func (f *fakeRDS) DescribeDBInstance(_ context.Context, id string) (*dbInstance, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "DescribeDBInstances")
	db, ok := f.instances[id]
	if !ok {
		return nil, &smithy.GenericAPIError{Code: "DBInstanceNotFound", Message: "DBInstance " + id + " not found."}
	}
	if n := f.busyPolls[id]; n > 0 {
		f.busyPolls[id] = n - 1
		db.Status = "modifying"
	} else if pw, ok := f.pending[id]; ok {
		if f.pollsLeft[id] > 0 {
			f.pollsLeft[id]--
			db.Status = "resetting-master-credentials"
		} else {
			f.passwords[id] = pw
			delete(f.pending, id)
			db.Status = statusAvailable
			db.ManagedSecretARN = ""
		}
	} else {
		db.Status = statusAvailable
	}
	db.PendingMasterUserPassword = f.pending[id] != ""
	out := *db
	return &out, nil
}

func (f *fakeRDS) ModifyMasterUserPassword(_ context.Context, in modifyPassword) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "ModifyDBInstance")
	f.modifies = append(f.modifies, in)
	db, ok := f.instances[in.Identifier]
	switch {
	case !ok:
		return &smithy.GenericAPIError{Code: "DBInstanceNotFound", Message: "not found"}
	case db.Status != statusAvailable:
		return &smithy.GenericAPIError{Code: "InvalidDBInstanceState", Message: "Database instance is not in available state."}
	case db.ReplicaSourceIdentifier != "":
		return &smithy.GenericAPIError{Code: "InvalidParameterCombination", Message: "Cannot change master user password on an RDS postgres Read Replica"}
	case db.ManagedSecretARN != "" && !in.StopManaging:
		return &smithy.GenericAPIError{Code: "InvalidParameterCombination", Message: "MasterUserPassword can't be specified if ManageMasterUserPassword is turned on"}
	case checkPassword(in.Password) != nil:
		return &smithy.GenericAPIError{Code: "InvalidParameterValue", Message: "invalid master password"}
	}
	f.pending[in.Identifier] = in.Password
	f.pollsLeft[in.Identifier] = f.applyAfter
	db.Status = "resetting-master-credentials"
	return nil
}

// password returns the applied master password of an instance.
func (f *fakeRDS) password(id string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.passwords[id]
}
