#!/usr/bin/env bash
# Deploys the services on a stack (default: test, on the local Docker engine, state in .pulumi-state/).
# Shows the preview and asks before changing anything; extra arguments go to `pulumi up` (e.g. --yes).
# Stacks other than test refresh first (`pulumi up --refresh`).
# Usage: bash scripts/deploy.sh [--stack NAME] [pulumi up arguments…]
set -euo pipefail
stack=test
if [ "${1:-}" = "--stack" ]; then stack="$2"; shift 2; fi
yes=""
for a in "$@"; do case "$a" in --yes|-y|--skip-preview|-f) yes=1 ;; esac; done
if [ -z "$yes" ] && ! [ -t 0 ]; then
  echo "deploy: not run from a terminal, so nobody can answer the preview's question; add --yes to apply without asking:" >&2
  echo "  bash scripts/deploy.sh${stack:+ --stack $stack} --yes" >&2
  exit 1
fi
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$PROJECT_ROOT"
if [ "$stack" = test ] && [ -z "${PULUMI_CONFIG_PASSPHRASE+set}${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  # The test stack holds only example secrets: its passphrase is fixed and public (scripts/versions.env).
  export PULUMI_CONFIG_PASSPHRASE="$TEST_STACK_PASSPHRASE"
fi
pulumi stack select --create "$stack" >/dev/null
# On the machines others administer too, read every container back from Docker first: one removed or
# stopped by hand is put back as declared (README: "When a deploy is interrupted").
refresh=()
[ "$stack" = test ] || refresh=(--refresh)
pulumi up --diff "${refresh[@]}" "$@"
