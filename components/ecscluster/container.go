package ecscluster

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The container definition, as ECS reads it (only the fields this
// component sets).
// Source: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html
type (
	containerDefinition struct {
		Name                   string           `json:"name"`
		Image                  string           `json:"image"`
		Command                []string         `json:"command,omitempty"`
		Essential              bool             `json:"essential"`
		User                   string           `json:"user"`
		ReadonlyRootFilesystem bool             `json:"readonlyRootFilesystem"`
		PortMappings           []portMapping    `json:"portMappings"`
		MountPoints            []mountPoint     `json:"mountPoints"`
		LinuxParameters        linuxParameters  `json:"linuxParameters"`
		Environment            []keyValue       `json:"environment"`
		Secrets                []secretRef      `json:"secrets"`
		LogConfiguration       logConfiguration `json:"logConfiguration"`
		StopTimeout            int              `json:"stopTimeout"`
	}
	portMapping struct {
		ContainerPort int    `json:"containerPort"`
		Protocol      string `json:"protocol"`
	}
	mountPoint struct {
		SourceVolume  string `json:"sourceVolume"`
		ContainerPath string `json:"containerPath"`
		ReadOnly      bool   `json:"readOnly"`
	}
	linuxParameters struct {
		InitProcessEnabled bool         `json:"initProcessEnabled"`
		Capabilities       capabilities `json:"capabilities"`
	}
	capabilities struct {
		Drop []string `json:"drop"`
	}
	keyValue struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	}
	secretRef struct {
		Name      string `json:"name"`
		ValueFrom string `json:"valueFrom"`
	}
	logConfiguration struct {
		LogDriver string            `json:"logDriver"`
		Options   map[string]string `json:"options"`
	}
)

// containerDefinitions renders the service's one container. Defaults that
// matter: non-root user, read-only root filesystem (scratch volumes only
// where Service.TmpPaths asks), every capability dropped (Fargate never runs privileged
// containers), an init process reaping zombies (and required by ECS Exec),
// secrets by reference only, and awslogs in non-blocking mode so a logging
// hiccup never stalls the application.
// Source: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/security-tasks-containers.html
func containerDefinitions(s Service, logGroup pulumi.StringOutput, region string) pulumi.StringOutput {
	envNames, secretNames := sortedKeys(s.Environment), sortedKeys(s.Secrets)
	inputs := []any{logGroup}
	for _, n := range envNames {
		inputs = append(inputs, s.Environment[n])
	}
	for _, n := range secretNames {
		inputs = append(inputs, s.Secrets[n])
	}
	return pulumi.All(inputs...).ApplyT(func(v []any) (string, error) {
		def := containerDefinition{
			Name:                   s.Name,
			Image:                  s.Image,
			Command:                s.command,
			Essential:              true,
			User:                   s.User,
			ReadonlyRootFilesystem: !s.WritableRootFilesystem,
			PortMappings:           []portMapping{{ContainerPort: s.Port, Protocol: "tcp"}},
			MountPoints:            []mountPoint{},
			LinuxParameters: linuxParameters{
				InitProcessEnabled: true,
				Capabilities:       capabilities{Drop: []string{"ALL"}},
			},
			Environment: []keyValue{},
			Secrets:     []secretRef{},
			LogConfiguration: logConfiguration{
				LogDriver: "awslogs",
				Options: map[string]string{
					"awslogs-group":         v[0].(string),
					"awslogs-region":        region,
					"awslogs-stream-prefix": s.Name,
					"mode":                  "non-blocking",
					"max-buffer-size":       "25m",
				},
			},
			StopTimeout: 30,
		}
		for i, path := range s.TmpPaths {
			def.MountPoints = append(def.MountPoints, mountPoint{SourceVolume: tmpVolume(i), ContainerPath: path})
		}
		for i, n := range envNames {
			def.Environment = append(def.Environment, keyValue{Name: n, Value: v[1+i].(string)})
		}
		for i, n := range secretNames {
			arn := v[1+len(envNames)+i].(string)
			if _, _, err := SecretResource(arn); err != nil {
				return "", fmt.Errorf("secret %s: %w", n, err)
			}
			def.Secrets = append(def.Secrets, secretRef{Name: n, ValueFrom: arn})
		}
		out, err := json.Marshal([]containerDefinition{def})
		return string(out), err
	}).(pulumi.StringOutput)
}
