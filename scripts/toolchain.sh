#!/usr/bin/env bash
# scripts/toolchain.sh - make this machine able to run `pulumi up` (TypeScript
# programs, @pulumi/docker and @pulumi/command) against a local Docker engine.
#
# Usage: bash scripts/toolchain.sh [all|pulumi|plugins|docker|image|test-tools|bench-tools]...
#   (default: all). Idempotent: a second run only checks and takes seconds.
#   Non-interactive (fine with CI=true and no stdin). Progress lines on stderr
#   start with "toolchain:". Nothing is written inside the repository.
#
# What it provides:
#  1. The Pulumi CLI at $PULUMI_HOME/versions/3.259.0/bin/pulumi (where the npm
#     launcher package pulumi@3.259.0 and the Automation API look), with
#     pulumi-language-nodejs beside it, both symlinked into $PULUMI_HOME/bin.
#     - With internet access the official installer is used.
#     - Otherwise the binaries are built from Go modules (scripts/toolchain/*).
#       The module proxy our machines reach serves no github.com/pulumi/pulumi/pkg/v3
#       release after v3.259.0 (hence the project's pin) and no version of the
#       separate pulumi-language-nodejs module: the language host is the one in
#       github.com/pulumi/pulumi/sdk/v3@v3.68.0, the last release that kept it
#       in the sdk module. It reads a project's runtime options (typescript,
#       tsconfig, nodeargs) from flags, which this CLI no longer passes: it is
#       installed under .langhost/, behind scripts/toolchain/pulumi-language-nodejs.sh,
#       which passes them from the project's Pulumi.yaml.
#  2. The resource plugins docker and command at the versions the npm packages
#     ask for (`pulumi.version` in node_modules/@pulumi/{docker,command}/package.json),
#     with `pulumi plugin install` when Pulumi's downloads answer; otherwise from
#     the folder $PULUMI_PLUGINS_DIR (default: ../shared/pulumi-plugins beside the
#     repository, when it exists), whose files pulumi-resource-<name>-v<version>
#     are checked against its SHA256SUMS first. The module proxy refuses the
#     providers' source modules, so they cannot be built here. Without them this
#     script says so and fails (the end-to-end tests need them).
#  3. A Docker engine: if `docker info` fails, Debian's docker.io (+
#     docker-compose, debootstrap) is installed and dockerd is started in the
#     background, logging to /var/log/dockerd-toolchain.log.
#  4. The image debian:bookworm-slim: pulled when a registry answers, otherwise
#     built with debootstrap (minbase + busybox) and `docker import`.
#  5. What the end-to-end tests start beside the engine (test-tools): Debian's
#     openssh-server (a second "machine" over ssh://), docker-registry and
#     apache2-utils (a private registry with htpasswd), and rclone $RCLONE_VERSION
#     at $TOOLCHAIN_CACHE/bin/rclone (an S3 server for the shared state), and
#     Traefik $TRAEFIK_VERSION at $TOOLCHAIN_CACHE/bin/traefik (the router the
#     services sit behind), built from their Go modules when missing.
#  6. Only when asked (bench-tools, not part of all): docker compose $COMPOSE_V2_VERSION at
#     $TOOLCHAIN_CACHE/bin/docker-compose-v2, built from its Go module, for npm run bench:scale.
#
# Afterwards:  source "${PULUMI_HOME:-$HOME/.pulumi}/toolchain.env"
#   which puts $PULUMI_HOME/bin first on PATH, exports PULUMI_HOME and, when the
#   docker CLI cannot talk to the daemon without it, DOCKER_API_VERSION.
#
# Environment knobs: PULUMI_HOME, TOOLCHAIN_CACHE (build cache and outputs,
#   default ~/.cache/pulumi-toolchain), TOOLCHAIN_OFFLINE=1 (skip every
#   download attempt outside the package registries), PULUMI_PLUGINS_DIR
#   (provider plugins built elsewhere, see 2.), DOCKERD_LOG.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=versions.env
source "$ROOT/scripts/versions.env"
CLI_MODULE_VERSION="v$PULUMI_VERSION"   # github.com/pulumi/pulumi/pkg/v3 built offline
BASE_IMAGE=debian:bookworm-slim
SUITE=bookworm

export PULUMI_HOME="${PULUMI_HOME:-$HOME/.pulumi}"
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
CACHE="${TOOLCHAIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-toolchain}"
SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/toolchain"
VBIN="$PULUMI_HOME/versions/$PULUMI_VERSION/bin"
ENV_FILE="$PULUMI_HOME/toolchain.env"
DOCKERD_LOG="${DOCKERD_LOG:-/var/log/dockerd-toolchain.log}"
START=$SECONDS

log() { printf 'toolchain: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }

# online URL: true when URL answers within a few seconds (never with TOOLCHAIN_OFFLINE=1).
ONLINE=""
online() {
  [ "${TOOLCHAIN_OFFLINE:-}" = 1 ] && return 1
  if [ -z "$ONLINE" ]; then
    if curl -fsS --max-time 5 -o /dev/null https://get.pulumi.com/ 2>/dev/null; then ONLINE=yes; else ONLINE=no; fi
    log "internet downloads: $ONLINE"
  fi
  [ "$ONLINE" = yes ]
}

# ---------------------------------------------------------------- Go builds
GO=""
find_go() {
  [ -n "$GO" ] && return 0
  GO="$(command -v go || true)"
  [ -z "$GO" ] && [ -x /usr/local/go/bin/go ] && GO=/usr/local/go/bin/go
  [ -n "$GO" ] || die "Go is needed to build the Pulumi toolchain offline (install Go >= 1.25)"
}

# stamp NAME FILES...: digest of the build inputs of NAME.
stamp() {
  local name="$1"; shift
  { echo "$name $CLI_MODULE_VERSION $LANGHOST_MODULE_VERSION"
    "$GO" version; cat "$@"; } | sha256sum | cut -c1-32
}

# build NAME MODULE_DIR PACKAGE LDFLAGS [go build flags...]: build $CACHE/bin/NAME
# unless it is there with the same input stamp. Sets BUILT=1 when it built.
BUILT=0
build() {
  local name="$1" dir="$2" pkg="$3" ldflags="$4"; shift 4
  local out="$CACHE/bin/$name" want
  want="$(stamp "$name" $(find "$dir" -type f \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' \) | sort))"
  BUILT=0
  if [ -x "$out" ] && [ "$(cat "$out.stamp" 2>/dev/null)" = "$want" ]; then return 0; fi
  log "building $name (Go; first build takes minutes)..."
  local t=$SECONDS
  mkdir -p "$CACHE/bin" "$CACHE/logs"
  if ! ( cd "$dir" && "$GO" build -buildvcs=false -trimpath "$@" -ldflags "-s -w $ldflags" -o "$out.tmp" "$pkg" ) \
      </dev/null >"$CACHE/logs/$name.log" 2>&1; then
    grep -v '^go: downloading' "$CACHE/logs/$name.log" | tail -30 >&2
    die "go build of $name failed (log: $CACHE/logs/$name.log)"
  fi
  mv -f "$out.tmp" "$out"
  echo "$want" > "$out.stamp"
  BUILT=1
  log "built $name in $((SECONDS - t))s"
}

# link_into_home NAME: $PULUMI_HOME/bin/NAME -> versions/$PULUMI_VERSION/bin/NAME
link_into_home() {
  local link="$PULUMI_HOME/bin/$1"
  mkdir -p "$PULUMI_HOME/bin"
  if [ -e "$link" ] && [ ! -L "$link" ]; then
    log "leaving $link alone (not a symlink)"
  else
    ln -sfn "$VBIN/$1" "$link"
  fi
}

setup_pulumi() {
  mkdir -p "$VBIN"
  local have=""
  [ -x "$VBIN/pulumi" ] && have="$(cli_version)"
  if [ "$have" = "v$PULUMI_VERSION" ] && [ -x "$VBIN/pulumi-language-nodejs" ] && [ ! -e "$VBIN/.toolchain-built" ]; then
    log "pulumi $have already installed in $VBIN"
  elif [ -z "$have" ] && online; then
    log "installing pulumi $PULUMI_VERSION with the official installer"
    local inst; inst="$(mktemp)"
    if curl -fsSL --max-time 60 -o "$inst" https://get.pulumi.com/install.sh &&
       sh "$inst" --no-edit-path --install-root "$PULUMI_HOME/versions/$PULUMI_VERSION" \
         --version "$PULUMI_VERSION" </dev/null >&2; then
      rm -f "$inst"
    else
      rm -f "$inst"; log "official installer failed; building from Go modules"; build_pulumi
    fi
  else
    build_pulumi
  fi
  link_into_home pulumi
  link_into_home pulumi-language-nodejs
  [ "$have" = "v$PULUMI_VERSION" ] || have="$(cli_version)"
  [ -n "$have" ] || die "$VBIN/pulumi does not run (pulumi version failed)"
  log "pulumi: $have at $VBIN/pulumi"
}

# cli_version: what `$VBIN/pulumi version` prints (empty when it fails), kept in $VBIN/.version with
# the binary's size, time and inode: the CLI takes about 0.2 s to say it, and writes a log file under
# $PULUMI_HOME/logs each time, at every deploy that runs the engine.
cli_version() {
  local sig kept version
  sig="$(stat -c '%s %Y %i' "$VBIN/pulumi" 2>/dev/null)" || return 0
  kept="$(cat "$VBIN/.version" 2>/dev/null || true)"
  if [ -n "$kept" ] && [ "${kept% *}" = "$sig" ]; then echo "${kept##* }"; return 0; fi
  version="$("$VBIN/pulumi" version </dev/null 2>/dev/null)" || return 0
  echo "$sig $version" > "$VBIN/.version.$$" && mv -f "$VBIN/.version.$$" "$VBIN/.version"
  echo "$version"
}

build_pulumi() {
  find_go
  build pulumi "$SRC/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
    "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$CLI_MODULE_VERSION"
  build pulumi-language-nodejs "$SRC/language-nodejs" \
    github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs \
    "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$LANGHOST_MODULE_VERSION"
  # The language host goes under .langhost/, behind the wrapper that hands it the project's runtime
  # options as flags (scripts/toolchain/pulumi-language-nodejs.sh: this CLI no longer passes them so).
  install_changed "$CACHE/bin/pulumi" "$VBIN/pulumi"
  install_changed "$CACHE/bin/pulumi-language-nodejs" "$VBIN/.langhost/pulumi-language-nodejs"
  install_changed "$SRC/pulumi-language-nodejs.sh" "$VBIN/pulumi-language-nodejs"
  echo "built by scripts/toolchain.sh from pkg/v3@$CLI_MODULE_VERSION and sdk/v3@$LANGHOST_MODULE_VERSION" \
    > "$VBIN/.toolchain-built"
}

# install_changed FROM TO: TO made an executable copy of FROM, with its time kept, unless it has
# FROM's size and time already (the same build: no byte-by-byte compare of 100+ MB).
install_changed() {
  if [ "$(stat -c '%s %Y' "$1")" != "$(stat -c '%s %Y' "$2" 2>/dev/null)" ]; then
    mkdir -p "$(dirname "$2")"
    install -p -m 0755 "$1" "$2.tmp" && mv -f "$2.tmp" "$2"
  fi
}

# ------------------------------------------------------------------ plugins
PLUGIN_LIST=""   # `pulumi plugin ls`, read once (emptied when a plugin is installed)
# plugin_listed NAME VERSION: in Pulumi's plugin folder, complete (an install cut short leaves a
# .partial marker beside it), as `pulumi plugin ls` would list it without its 0.2 s; else in that list.
plugin_listed() {
  local dir="$PULUMI_HOME/plugins/resource-$1-v$2"
  if [ -x "$dir/pulumi-resource-$1" ] && [ ! -e "$dir.partial" ]; then return 0; fi
  [ -n "$PLUGIN_LIST" ] || PLUGIN_LIST="$("$VBIN/pulumi" plugin ls </dev/null 2>/dev/null || true)"
  awk -v n="$1" -v v="$2" '$1 == n && $2 == "resource" && $3 == v {f=1} END {exit !f}' <<<"$PLUGIN_LIST"
}

PLUGINS_DIR="${PULUMI_PLUGINS_DIR:-}"
if [ -z "$PLUGINS_DIR" ] && [ -d "$ROOT/../shared/pulumi-plugins" ]; then PLUGINS_DIR="$(cd "$ROOT/../shared/pulumi-plugins" && pwd)"; fi

# plugin_versions NAME...: the plugin version each npm package @pulumi/NAME asks for, one per line (one node).
plugin_versions() {
  local name pkgs=()
  for name in "$@"; do
    pkgs+=("$ROOT/node_modules/@pulumi/$name/package.json")
    [ -f "${pkgs[-1]}" ] || die "${pkgs[-1]} is missing: run npm ci first (scripts/setup.sh does)"
  done
  node -e 'for (const p of process.argv.slice(1)) console.log(require(p).pulumi.version)' "${pkgs[@]}" </dev/null
}

# install_plugin_file NAME VERSION: from $PLUGINS_DIR, after checking its SHA256SUMS entry.
install_plugin_file() {
  local name="$1" version="$2" file="pulumi-resource-$1-v$2"
  [ -n "$PLUGINS_DIR" ] && [ -f "$PLUGINS_DIR/$file" ] || return 1
  grep -q "  $file\$" "$PLUGINS_DIR/SHA256SUMS" 2>/dev/null || die "$PLUGINS_DIR/SHA256SUMS has no line for $file; refusing an unchecked plugin"
  ( cd "$PLUGINS_DIR" && grep "  $file\$" SHA256SUMS | sha256sum -c --quiet - ) >&2 || die "$PLUGINS_DIR/$file does not match its SHA256SUMS line"
  log "installing plugin $name $version from $PLUGINS_DIR/$file (checksum verified)"
  PLUGIN_LIST=""
  "$VBIN/pulumi" plugin install resource "$name" "$version" --file "$PLUGINS_DIR/$file" </dev/null >&2
}

PLUGINS_MISSING=()
# install_plugin NAME VERSION: Pulumi's download when it answers, else the plugins folder.
install_plugin() {
  local name="$1" version="$2"
  if plugin_listed "$name" "$version"; then
    log "plugin $name $version already installed"; return 0
  fi
  PLUGIN_LIST=""
  if online && "$VBIN/pulumi" plugin install resource "$name" "$version" </dev/null >&2; then
    return 0
  fi
  install_plugin_file "$name" "$version" && plugin_listed "$name" "$version" && return 0
  PLUGINS_MISSING+=("$name $version")
  log "plugin $name $version: Pulumi's downloads do not answer and ${PLUGINS_DIR:-no plugins folder (PULUMI_PLUGINS_DIR)} has no"
  log "  pulumi-resource-$name-v$version. Set PULUMI_PLUGINS_DIR to a folder holding it (with SHA256SUMS), or run on a machine"
  log "  with internet access: pulumi plugin install resource $name $version"
}

setup_plugins() {
  [ -x "$VBIN/pulumi" ] || die "pulumi is not installed yet (run: $0 pulumi)"
  local versions
  mapfile -t versions < <(plugin_versions docker command)
  [ "${#versions[@]}" = 2 ] || die "cannot read the plugin versions @pulumi/docker and @pulumi/command ask for"
  install_plugin docker "${versions[0]}"
  install_plugin command "${versions[1]}"
  if [ "${#PLUGINS_MISSING[@]}" -gt 0 ]; then
    die "missing provider plugins: ${PLUGINS_MISSING[*]}; pulumi up/preview and the end-to-end tests cannot run"
  fi
}

# ------------------------------------------------------------------- docker
DOCKER_API=""   # set to a version when the CLI needs DOCKER_API_VERSION
docker_ok() { timeout 20 docker info >/dev/null 2>&1 </dev/null; }

APT_UPDATED=""
apt_install() { # PACKAGES...
  local missing=() p
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ "${#missing[@]}" = 0 ] && return 0
  command -v apt-get >/dev/null || die "apt-get not found; install ${missing[*]} by hand"
  local aptlog="$CACHE/apt.log"
  if [ -z "$APT_UPDATED" ]; then
    log "apt-get update"
    as_root apt-get update -qq </dev/null >"$aptlog" 2>&1 || { cat "$aptlog" >&2; die "apt-get update failed"; }
    APT_UPDATED=1
  fi
  log "apt-get install ${missing[*]} (log: $aptlog)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "${missing[@]}" </dev/null >>"$aptlog" 2>&1 || { tail -30 "$aptlog" >&2; die "apt-get install failed"; }
}

# fix_docker_api: the preinstalled docker CLI may be newer than the daemon; if
# it cannot talk to it, pin the daemon's API version.
fix_docker_api() {
  docker_ok && return 0
  local v
  v="$(DOCKER_API_VERSION=1.41 timeout 20 docker version --format '{{.Server.APIVersion}}' </dev/null 2>/dev/null || true)"
  if [ -n "$v" ] && DOCKER_API_VERSION="$v" docker_ok; then
    docker_ok && return 0 # the daemon only just came up
    DOCKER_API="$v"; export DOCKER_API_VERSION="$v"
    log "docker CLI needs DOCKER_API_VERSION=$v for this daemon"
  fi
  docker_ok
}

setup_docker() {
  if docker_ok || fix_docker_api 2>/dev/null; then
    log "docker engine answers ($(docker version --format '{{.Server.Version}}' </dev/null 2>/dev/null))"
    return 0
  fi
  apt_install docker.io docker-compose debootstrap
  command -v docker >/dev/null || die "no docker CLI after installing docker.io"
  if ! pgrep -x dockerd >/dev/null; then
    log "starting dockerd (log: $DOCKERD_LOG)"
    as_root mkdir -p "$(dirname "$DOCKERD_LOG")"
    # own session, so that it outlives this script and its process group
    # fd 9 is the toolchain lock: dockerd must not inherit it, or it would hold the lock forever.
    # (and without fd 9, the lock of this script)
    as_root setsid -f sh -c "exec dockerd >>'$DOCKERD_LOG' 2>&1 </dev/null 9>&-" 9>&-
  fi
  local i
  for i in $(seq 1 60); do
    fix_docker_api 2>/dev/null && break
    sleep 1
  done
  docker_ok || die "docker engine did not answer within 60s; see $DOCKERD_LOG"
  log "docker engine answers ($(docker version --format '{{.Server.Version}}' </dev/null 2>/dev/null)) after ${i}s"
}

setup_image() {
  if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1 </dev/null; then
    log "image $BASE_IMAGE present"; return 0
  fi
  if [ "${TOOLCHAIN_OFFLINE:-}" != 1 ] && timeout 60 docker pull -q "$BASE_IMAGE" </dev/null >/dev/null 2>&1; then
    log "pulled $BASE_IMAGE"; return 0
  fi
  log "no registry for $BASE_IMAGE; building it with debootstrap ($SUITE, minbase + busybox)"
  command -v debootstrap >/dev/null || apt_install debootstrap
  local root t=$SECONDS
  root="$(mktemp -d "${TMPDIR:-/tmp}/toolchain-rootfs.XXXXXX")"
  if ! as_root debootstrap --variant=minbase --include=busybox "$SUITE" "$root" </dev/null >"$root.log" 2>&1; then
    tail -20 "$root.log" >&2; as_root rm -rf "$root"; die "debootstrap failed (log: $root.log)"
  fi
  as_root rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  as_root tar -C "$root" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' --change 'LABEL built-by=scripts/toolchain.sh' \
    - "$BASE_IMAGE" >/dev/null || die "docker import of $root failed"
  as_root rm -rf "$root" "$root.log"
  docker run --rm "$BASE_IMAGE" sh -c 'busybox --list | grep -qx wget' </dev/null ||
    die "the imported $BASE_IMAGE image does not run"
  log "built $BASE_IMAGE in $((SECONDS - t))s"
}

setup_test_tools() {
  apt_install openssh-server openssh-client docker-registry apache2-utils
  setup_rclone
  setup_traefik
}

setup_rclone() {
  local rclone="$CACHE/bin/rclone"
  if [ -x "$rclone" ] && "$rclone" version </dev/null 2>/dev/null | head -1 | grep -qF "rclone $RCLONE_VERSION"; then
    log "rclone $RCLONE_VERSION present"; return 0
  fi
  find_go
  log "building rclone $RCLONE_VERSION (Go; about 3 minutes the first time)..."
  local t=$SECONDS
  mkdir -p "$CACHE/bin" "$CACHE/logs"
  if ! GOBIN="$CACHE/bin" "$GO" install -trimpath -ldflags "-s -w" "github.com/rclone/rclone@$RCLONE_VERSION" \
      </dev/null >"$CACHE/logs/rclone.log" 2>&1; then
    grep -v '^go: downloading' "$CACHE/logs/rclone.log" | tail -30 >&2
    die "go install of rclone failed (log: $CACHE/logs/rclone.log)"
  fi
  log "built rclone in $((SECONDS - t))s"
}

# build_module NAME MODULE VERSION PACKAGE LDFLAGS: $CACHE/bin/NAME from a Go module's command, built
# inside a writable copy of the downloaded module (`go install …@version` is refused for modules whose
# go.mod has exclude or replace directives, as docker compose's and Traefik's have).
build_module() {
  local name="$1" module="$2" version="$3" package="$4" ldflags="$5" t=$SECONDS dir src
  find_go
  mkdir -p "$CACHE/bin" "$CACHE/logs"
  dir="$("$GO" mod download -json "$module@$version" </dev/null 2>>"$CACHE/logs/$name.log" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [ -n "$dir" ] || die "go mod download of $module $version failed (log: $CACHE/logs/$name.log)"
  src="$CACHE/$name-src"
  rm -rf "$src"; cp -r "$dir" "$src"; chmod -R u+w "$src"
  if ! (cd "$src" && "$GO" build -trimpath -ldflags "-s -w $ldflags" -o "$CACHE/bin/$name" "$package") \
      </dev/null >>"$CACHE/logs/$name.log" 2>&1; then
    grep -v '^go: downloading' "$CACHE/logs/$name.log" | tail -30 >&2
    die "go build of $module failed (log: $CACHE/logs/$name.log)"
  fi
  rm -rf "$src"
  log "built $name $version in $((SECONDS - t))s"
}

# Traefik, the organisation's router: the end-to-end tests route requests through a real one.
setup_traefik() {
  local traefik="$CACHE/bin/traefik"
  if [ -x "$traefik" ] && "$traefik" version </dev/null 2>/dev/null | grep -qF "$TRAEFIK_VERSION"; then
    log "traefik $TRAEFIK_VERSION present"; return 0
  fi
  log "building traefik $TRAEFIK_VERSION (Go; about 5 minutes the first time)..."
  build_module traefik github.com/traefik/traefik/v3 "$TRAEFIK_VERSION" ./cmd/traefik \
    "-X github.com/traefik/traefik/v3/pkg/version.Version=$TRAEFIK_VERSION"
}

# Not part of `all`: only the benchmarks compare against docker compose v2 (not in Debian bookworm).
setup_bench_tools() {
  local compose="$CACHE/bin/docker-compose-v2"
  if [ -x "$compose" ] && "$compose" version </dev/null 2>/dev/null | grep -qF "$COMPOSE_V2_VERSION"; then
    log "docker compose $COMPOSE_V2_VERSION present"; return 0
  fi
  log "building docker compose $COMPOSE_V2_VERSION (Go; about 2 minutes the first time)..."
  build_module docker-compose-v2 github.com/docker/compose/v2 "$COMPOSE_V2_VERSION" ./cmd \
    "-X github.com/docker/compose/v2/internal.Version=$COMPOSE_V2_VERSION"
}

write_env() {
  local tmp="$ENV_FILE.tmp"
  mkdir -p "$PULUMI_HOME"
  { echo "# written by scripts/toolchain.sh"
    echo "export PULUMI_HOME=\"$PULUMI_HOME\""
    echo "case \":\$PATH:\" in *\":$PULUMI_HOME/bin:\"*) ;; *) export PATH=\"$PULUMI_HOME/bin:\$PATH\" ;; esac"
    [ -n "$DOCKER_API" ] && echo "export DOCKER_API_VERSION=$DOCKER_API"
    true; } > "$tmp"
  mv -f "$tmp" "$ENV_FILE"
}

# --------------------------------------------------------------------- main
steps=("$@"); [ "${#steps[@]}" = 0 ] && steps=(all)
want() { local s; for s in "${steps[@]}"; do [ "$s" = all ] || [ "$s" = "$1" ] && return 0; done; return 1; }

mkdir -p "$CACHE"
if command -v flock >/dev/null; then exec 9>"$CACHE/.lock"; flock 9; fi

# Docker and the base image (downloads, debootstrap) run beside the Go builds.
docker_pid=""
if want docker || want image; then
  (
    if want docker; then setup_docker; else fix_docker_api >/dev/null 2>&1 || true; fi
    want image && setup_image
    write_env
  ) &
  docker_pid=$!
fi
want pulumi && setup_pulumi
want plugins && setup_plugins
if [ -n "$docker_pid" ]; then wait "$docker_pid" || die "docker setup failed"; else write_env; fi
# After the docker step: both use apt.
want test-tools && setup_test_tools
for s in "${steps[@]}"; do [ "$s" = bench-tools ] && setup_bench_tools; done
log "done in $((SECONDS - START))s; use: source $ENV_FILE"
