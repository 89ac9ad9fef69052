// Package shim is copied by scripts/toolchain.sh into a local copy of the
// kreuzwerker Terraform provider module (as <module>/shim) so that code outside
// that module can reach the provider constructor in its internal package.
package shim

import (
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"
	"github.com/terraform-providers/terraform-provider-docker/internal/provider"
)

// NewProvider returns the SDKv2 Terraform provider for Docker.
func NewProvider() *schema.Provider { return provider.New("dev")() }
