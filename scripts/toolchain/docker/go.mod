// Wrapper module used by scripts/toolchain.sh to build pulumi-resource-docker.
// github.com/terraform-providers/terraform-provider-docker is replaced, at
// build time only (through a go.work file kept outside the repository), by a
// local copy of the kreuzwerker module plus the shim package in ./shim.
module toolchain.local/pulumi-resource-docker

go 1.25.11

require (
	github.com/pulumi/pulumi-terraform-bridge/v3 v3.137.0
	github.com/terraform-providers/terraform-provider-docker v0.0.0
)

replace github.com/hashicorp/terraform-plugin-sdk/v2 => github.com/pulumi/terraform-plugin-sdk/v2 v2.0.0-20260318212141-5525259d096b
