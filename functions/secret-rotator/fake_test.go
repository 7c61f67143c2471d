package main

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
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
	return &secretsmanager.DescribeSecretOutput{
		ARN:                aws.String(f.arn),
		RotationEnabled:    aws.Bool(f.rotationEnabled),
		VersionIdsToStages: stages,
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
