#!/usr/bin/env bash
# pulumi-language-nodejs, as scripts/toolchain.sh installs it beside the Pulumi CLI it builds: the
# Node.js language host built from sdk v3.68.0 (.langhost/ beside this file) reads a project's runtime
# options (Pulumi.yaml: runtime.options typescript, tsconfig, nodeargs) from its flags, which the
# CLIs of its time passed it; the CLI built here (3.259.0) sends them in each request instead, which
# that host does not read, so it loaded TypeScript and ts-node for every program (about 0.1 s per run).
# This passes them as flags, as those CLIs did, read from the Pulumi.yaml of the directory the CLI
# starts the host in (the project's). Only block-style `key: value` lines under runtime: options: are
# read; a project written otherwise gets the host's defaults, as before this wrapper.
set -euo pipefail
here="$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"
flags=()
# The CLI starts the host in the program's directory: the project's, or the directory of Pulumi.yaml's
# main (scripts/ here); the project is the nearest directory upward holding a Pulumi.yaml, as the CLI finds it.
dir="$PWD"
while [ "$dir" != / ] && [ ! -f "$dir/Pulumi.yaml" ] && [ ! -f "$dir/Pulumi.yml" ]; do dir="$(dirname "$dir")"; done
for project in "$dir/Pulumi.yaml" "$dir/Pulumi.yml"; do
  [ -f "$project" ] || continue
  while IFS= read -r flag; do flags+=("$flag"); done < <(awk '
    function indent(s) { match(s, /^ */); return RLENGTH }
    /^[[:space:]]*(#.*)?$/ { next }
    /^[^ ]/ { runtime = ($0 ~ /^runtime:[[:space:]]*(#.*)?$/); options = 0; next }
    runtime && !options && /^ +options:[[:space:]]*(#.*)?$/ { options = 1; depth = indent($0); next }
    options && indent($0) <= depth { options = 0 }
    options && match($0, /^ +(typescript|tsconfig|nodeargs):[[:space:]]*/) {
      key = $0; sub(/^ +/, "", key); sub(/:.*/, "", key)
      value = substr($0, RLENGTH + 1)
      if (value ~ /^"/) { sub(/^"/, "", value); sub(/"[[:space:]]*(#.*)?$/, "", value) }
      else if (value ~ /^'\''/) { sub(/^'\''/, "", value); sub(/'\''[[:space:]]*(#.*)?$/, "", value) }
      else { sub(/[[:space:]]+#.*$/, "", value); sub(/[[:space:]]+$/, "", value) }
      if (key == "typescript" && value != "true" && value != "false") next
      print "-" key "=" value
    }' "$project")
  break
done
exec "$here/.langhost/pulumi-language-nodejs" "${flags[@]}" "$@"
