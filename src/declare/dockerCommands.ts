import * as pulumi from "@pulumi/pulumi";
import { BuiltImagePlan } from "../environment/plan";
import { RegistrySettings } from "../settings";
import { Command } from "./leanResources";

/**
 * What the docker provider cannot do the way this program needs, done with the docker CLI through
 * @pulumi/command: builds whose inputs the program hashes itself (so the preview knows exactly what
 * is rebuilt and replaced), waits for health or for a job's completion that report the container's
 * logs when they fail, and external networks used when they exist and created when they do not.
 *
 * Each script is passed as the interpreter's argument and the command is one word, so that a failure
 * reads `running "wait-healthy"` followed by what the script printed, not the script itself. Every
 * value reaches the script through its environment, never through the script's text.
 */
function shell(script: string): string[] {
  return ["/bin/bash", "-c", `set -euo pipefail\n${script}`, "dockerfiles"];
}

/** DOCKER_HOST for a service placed on another machine; undefined: the deploying machine's own. */
function dockerHostEnv(host: string | undefined): Record<string, string> {
  return host === undefined ? {} : { DOCKER_HOST: host };
}

const BUILD_IMAGE = `
log="$(mktemp)"; cfg=""
trap 'rm -rf "$log" $cfg' EXIT
built="$(docker image inspect --format '{{index .Config.Labels "dockerfiles.build"}}' "$IMAGE" 2>/dev/null || true)"
if [ "$built" = "$BUILD_HASH" ]; then
  echo "$WHO: $IMAGE is already built from these inputs" >&2
else
  args=(--rm --force-rm --label "dockerfiles.build=$BUILD_HASH" --tag "$IMAGE" --file "$DOCKERFILE")
  if [ -n "\${TARGET:-}" ]; then args+=(--target "$TARGET"); fi
  i=1; name=BUILD_ARG_1
  while [ -n "\${!name+set}" ]; do args+=(--build-arg "\${!name}"); i=$((i + 1)); name="BUILD_ARG_$i"; done
  # The context is exactly the files the program listed and hashed (stdin), sent as a tar.
  if ! tar -C "$CONTEXT" --create --file - --no-recursion --files-from - 2>"$log" | DOCKER_BUILDKIT=0 docker build "\${args[@]}" - >>"$log" 2>&1; then
    echo "$WHO: docker build of $IMAGE failed; its last lines:" >&2
    tail -n 40 "$log" | sed 's/^/    /' >&2
    exit 1
  fi
  echo "$WHO: built $IMAGE" >&2
fi
if [ "\${PUSH:-}" = 1 ]; then
  if [ -n "\${REGISTRY_USER:-}" ]; then
    cfg="$(mktemp -d)"; export DOCKER_CONFIG="$cfg"
    if ! printf '%s' "$REGISTRY_PASSWORD" | docker login --username "$REGISTRY_USER" --password-stdin "$REGISTRY" >"$log" 2>&1; then
      echo "$WHO: login to the registry $REGISTRY as $REGISTRY_USER failed:" >&2; sed 's/^/    /' "$log" >&2; exit 1
    fi
  fi
  if ! docker push "$IMAGE" >"$log" 2>&1; then
    echo "$WHO: push of $IMAGE to $REGISTRY failed:" >&2; tail -n 20 "$log" | sed 's/^/    /' >&2; exit 1
  fi
  echo "$WHO: pushed $IMAGE" >&2
fi
docker image inspect --format '{{.Id}}' "$IMAGE"
`;

/**
 * Builds (and on prod pushes) a home-built image with the classic builder, from the files the program
 * listed. Replaced when the build hash changes; never deletes the image (a rollback reuses it).
 */
export function imageBuild(name: string, who: string, img: BuiltImagePlan, registry: RegistrySettings, host: string | undefined, opts: pulumi.CustomResourceOptions): Command {
  const buildArgs = Object.keys(img.args).sort().map((k, i): [string, string] => [`BUILD_ARG_${i + 1}`, `${k}=${img.args[k]}`]);
  const environment: Record<string, pulumi.Input<string>> = {
    ...dockerHostEnv(host),
    WHO: who,
    IMAGE: img.imageName,
    CONTEXT: img.context,
    DOCKERFILE: img.dockerfile,
    BUILD_HASH: img.buildHash,
    ...Object.fromEntries(buildArgs),
    ...(img.target ? { TARGET: img.target } : {}),
    ...(img.push ? { PUSH: "1", REGISTRY: registry.server } : {}),
    ...(img.push && registry.username ? { REGISTRY_USER: registry.username, REGISTRY_PASSWORD: pulumi.secret(registry.password ?? "") } : {}),
  };
  return new Command(name, {
    interpreter: shell(BUILD_IMAGE),
    create: "build-image",
    environment,
    // "./" keeps a file named like an option from being read as one.
    stdin: img.files.map((f) => `./${f}`).join("\n") + "\n",
    triggers: [img.buildHash],
    logging: "stderr",
  }, {
    ...opts,
    // Where the context lies (the working tree, or the stable checkout of a deployed revision) is not
    // what is built: the hash says that. A replacement, when the hash changes, uses the new place.
    ignoreChanges: ["environment.CONTEXT"],
  });
}

const WAIT_HEALTHY = `
deadline=$((SECONDS + TIMEOUT))
while :; do
  state="$(docker inspect --format '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$CONTAINER" 2>&1)" ||
    { echo "$WHO: cannot inspect container $CONTAINER: $state" >&2; exit 1; }
  case "$state" in
    "running healthy") exit 0 ;;
    *" unhealthy") why="is unhealthy" ;;
    "running "*|"created "*|"restarting "*) why="" ;;
    *) why="stopped (state: $state)" ;;
  esac
  if [ -z "$why" ] && [ "$SECONDS" -ge "$deadline" ]; then why="did not become healthy within \${TIMEOUT}s"; fi
  if [ -n "$why" ]; then break; fi
  sleep 0.5
done
{
  echo "$WHO: container $CONTAINER $why."
  docker inspect --format '{{if .State.Health}}{{range .State.Health.Log}}@@probe {{.ExitCode}}{{"\\n"}}{{.Output}}{{"\\n"}}{{end}}{{end}}' "$CONTAINER" 2>/dev/null |
    awk '/^@@probe /{code=$2; out=""; next} {if ($0 != "") out=out "    " $0 "\\n"} END{if (code != "") printf "Last health check: exit code %s%s\\n%s", code, (out == "" ? ", no output" : ", output:"), out}'
  echo "Last 20 lines of its logs:"
  docker logs --tail 20 "$CONTAINER" 2>&1 | sed 's/^/    /'
  echo "More: docker logs $CONTAINER; docker inspect --format '{{json .State.Health}}' $CONTAINER"
} >&2
exit 1
`;

const WAIT_COMPLETED = `
deadline=$((SECONDS + TIMEOUT))
while :; do
  state="$(docker inspect --format '{{.State.Status}} {{.State.ExitCode}}' "$CONTAINER" 2>&1)" ||
    { echo "$WHO: cannot inspect container $CONTAINER: $state" >&2; exit 1; }
  case "$state" in
    "exited 0") exit 0 ;;
    exited*|dead*) why="exited with code \${state#* }"; break ;;
  esac
  if [ "$SECONDS" -ge "$deadline" ]; then why="has not finished after \${TIMEOUT}s"; break; fi
  sleep 0.5
done
{
  echo "$WHO: container $CONTAINER $why; what waits for it to complete (depends_on: service_completed_successfully) was not started."
  echo "Last 20 lines of its logs:"
  docker logs --tail 20 "$CONTAINER" 2>&1 | sed 's/^/    /'
  echo "More: docker logs $CONTAINER"
} >&2
exit 1
`;

/**
 * Waits for a container: until it is healthy (failing fast when Docker calls it unhealthy or it stops),
 * or until a one-shot container has exited with code 0 (compose's `service_completed_successfully`).
 * A failure names the service and shows its logs (and its last health check). Runs again whenever the
 * container is replaced; what depends on the container with that condition is created after it.
 */
export function containerWait(until: "healthy" | "completed", name: string, who: string, container: pulumi.Output<string>, containerId: pulumi.Output<string>, timeoutSeconds: number, host: string | undefined, opts: pulumi.CustomResourceOptions): Command {
  return new Command(name, {
    interpreter: shell(until === "healthy" ? WAIT_HEALTHY : WAIT_COMPLETED),
    create: `wait-${until}`,
    environment: { ...dockerHostEnv(host), WHO: who, CONTAINER: container, TIMEOUT: String(timeoutSeconds) },
    triggers: [containerId],
    logging: "none",
  }, opts);
}

const ENSURE_NETWORK = `
if docker network inspect "$NETWORK" >/dev/null 2>&1; then echo existing
else docker network create "$NETWORK" >/dev/null; echo created; fi
`;

const RELEASE_NETWORK = `
[ "\${PULUMI_COMMAND_STDOUT:-}" = created ] || exit 0
docker network rm "$NETWORK" >/dev/null 2>&1 || echo "network $NETWORK left in place: containers outside this stack still use it" >&2
`;

/**
 * A network compose calls external (Traefik's `proxy`) on a machine that may not have it: used when
 * it exists (a running Traefik, another project), created otherwise and then removed with the stack.
 */
export function externalNetwork(name: string, network: string, host: string | undefined, opts: pulumi.CustomResourceOptions): Command {
  // One interpreter for both: `$1` is the operation.
  return new Command(name, {
    interpreter: shell(`if [ "$1" = ensure-network ]; then ${ENSURE_NETWORK}\nelse ${RELEASE_NETWORK}\nfi`),
    create: "ensure-network",
    delete: "release-network",
    environment: { ...dockerHostEnv(host), NETWORK: network },
    logging: "none",
  }, opts);
}
