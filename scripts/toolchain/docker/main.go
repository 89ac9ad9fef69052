// Command pulumi-resource-docker is a Pulumi resource provider for Docker built
// by scripts/toolchain.sh: the Terraform bridge serving the kreuzwerker Docker
// Terraform provider under the token names used by the @pulumi/docker SDK
// (docker:index/<resource>:<Name>). The native docker.Image / buildx resource
// of the official provider is not included.
package main

import (
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
	shimv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"
	"github.com/terraform-providers/terraform-provider-docker/shim"
)

// version is set with -ldflags "-X main.version=...".
var version = "0.0.0-dev"

func res(name string) *tfbridge.ResourceInfo {
	return &tfbridge.ResourceInfo{Tok: tfbridge.MakeResource("docker", "index", name)}
}

func providerInfo() tfbridge.ProviderInfo {
	p := shimv2.NewProvider(shim.NewProvider())
	container := res("Container")
	container.Fields = map[string]*tfbridge.SchemaInfo{
		"command":           {Name: "command"},
		"networks_advanced": {Name: "networksAdvanced"},
	}
	image := res("RemoteImage")
	image.Fields = map[string]*tfbridge.SchemaInfo{"name": {Name: "name"}}
	info := tfbridge.ProviderInfo{
		P:           p,
		Name:        "docker",
		Version:     version,
		GitHubOrg:   "kreuzwerker",
		Description: "A Pulumi package for interacting with Docker in Pulumi programs",
		Config: map[string]*tfbridge.SchemaInfo{
			"registry_auth": {Name: "registryAuth"},
		},
		Resources: map[string]*tfbridge.ResourceInfo{
			"docker_config":         res("ServiceConfig"),
			"docker_container":      container,
			"docker_image":          image,
			"docker_network":        res("Network"),
			"docker_secret":         res("Secret"),
			"docker_service":        res("Service"),
			"docker_volume":         res("Volume"),
			"docker_registry_image": res("RegistryImage"),
			"docker_plugin":         res("Plugin"),
			"docker_tag":            res("Tag"),
		},
		DataSources: map[string]*tfbridge.DataSourceInfo{
			"docker_network":        {Tok: tfbridge.MakeDataSource("docker", "index", "getNetwork")},
			"docker_registry_image": {Tok: tfbridge.MakeDataSource("docker", "index", "getRegistryImage")},
			"docker_plugin":         {Tok: tfbridge.MakeDataSource("docker", "index", "getPlugin")},
			"docker_image":          {Tok: tfbridge.MakeDataSource("docker", "index", "getRemoteImage")},
			"docker_logs":           {Tok: tfbridge.MakeDataSource("docker", "index", "getLogs")},
		},
	}
	// Map whatever the Terraform provider has beyond the list above.
	info.MustComputeTokens(tokens.SingleModule("docker_", "index", tokens.MakeStandard("docker")))
	return info
}

func main() {
	tfbridge.Main("docker", version, providerInfo(), nil)
}
