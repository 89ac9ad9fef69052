#!/usr/bin/env bash
# The project's test command (README, .ci/run): type-check, lint, then unit, mock and end-to-end tests.
# End-to-end tests deploy for real (Pulumi engine + Docker); in CI (CI=true) they must run, elsewhere
# they skip with one line saying why when Docker, the engine or a provider plugin is missing.
# Extra arguments replace the list of test files, e.g. bash scripts/test.sh test/unit/*.test.ts
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$PROJECT_ROOT"
# What the end-to-end tests start beside the engine (an ssh machine, a registry, S3, Traefik).
[ "${SKIP_TOOLCHAIN:-}" = 1 ] || bash scripts/toolchain.sh test-tools
npx tsc --noEmit
npx eslint .
files=("$@")
[ "${#files[@]}" -gt 0 ] || files=(test/unit/*.test.ts test/mock/*.test.ts test/e2e/*.test.ts)
# Readable progress on stdout, and TAP in a file whose tally closes the output (`# pass N`, `# fail N`).
tap="$(mktemp)"
status=0
node --import tsx --test --test-concurrency=1 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$tap" \
  "${files[@]}" || status=$?
grep -E '^# (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) ' "$tap" || true
rm -f "$tap"
exit "$status"
