#!/usr/bin/env bash
# Resets a test stack to empty volumes, as the manual procedure's `docker-compose down -v` + `up -d`:
# destroys every container, network and volume of the stack, then deploys again from scratch.
# Refuses any stack whose kind is not test. Previews and asks at each step unless --yes is given.
# Usage: bash scripts/reset-test.sh [--stack NAME] [--yes]
set -euo pipefail
stack=test
if [ "${1:-}" = "--stack" ]; then stack="$2"; shift 2; fi
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh" --stack "$stack"
cd "$PROJECT_ROOT"
if [ -z "${PULUMI_CONFIG_PASSPHRASE+set}${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then export PULUMI_CONFIG_PASSPHRASE="$TEST_STACK_PASSPHRASE"; fi
pulumi stack select "$stack" >/dev/null
kind="$(pulumi config get kind 2>/dev/null || echo "$stack")"
if [ "$kind" != test ]; then
  echo "reset-test: refused: stack '$stack' is of kind '$kind'; only test stacks are reset (their volumes hold test data only)" >&2
  exit 1
fi
pulumi destroy "$@"
pulumi up "$@"
