// Wrapper module used by scripts/toolchain.sh to build pulumi-resource-command
// (see main.go: a small local-command provider; the provider module of the
// pulumi-command repository is not served by the module proxy reachable here).
module toolchain.local/pulumi-resource-command

go 1.25.11

require github.com/pulumi/pulumi-go-provider v1.3.0
