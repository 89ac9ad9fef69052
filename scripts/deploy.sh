#!/usr/bin/env bash
# Deploys the services on a stack (default: test, on the local Docker engine, state in .pulumi-state/).
# Shows the preview and asks before changing anything; extra arguments go to `pulumi up` (e.g. --yes).
# Usage: bash scripts/deploy.sh [--stack NAME] [pulumi up arguments…]
set -euo pipefail
stack=test
if [ "${1:-}" = "--stack" ]; then stack="$2"; shift 2; fi
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$PROJECT_ROOT"
if [ "$stack" = test ]; then
  # The test stack holds only example secrets: a fixed local passphrase is enough. Prod: see README.
  export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-test-stack-local}"
fi
pulumi stack select --create "$stack" >/dev/null
pulumi up --diff "$@"
