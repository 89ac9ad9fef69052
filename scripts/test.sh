#!/usr/bin/env bash
# The project's test command (README, .ci/run): type-check, then unit, mock and end-to-end tests.
# End-to-end tests deploy for real (Pulumi engine + Docker); in CI (CI=true) they must run, elsewhere
# they skip with one line saying why when Docker or the engine is missing.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$PROJECT_ROOT"
npx tsc --noEmit
node --import tsx --test --test-concurrency=1 test/unit/*.test.ts test/mock/*.test.ts test/e2e/*.test.ts
