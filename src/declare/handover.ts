import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { LABELS } from "../environment/labels";

/**
 * Start-first replacement (replaceOrder.ts), around the docker provider's create-before-delete:
 * 1. make-way, just before the new container is created: the running container of that name is
 *    renamed `<name>-old-<id>`, so the new one takes the name (admins' `docker exec -it <name>` and
 *    other containers' DNS keep working: the old one keeps the name as a network alias meanwhile).
 * 2. the new container starts; the health wait holds everything after it until it is healthy, and
 *    Traefik, which routes only to healthy containers, adds it beside the old one.
 * 3. retire, when Pulumi deletes the replaced container at the end of `up` (this command depends on
 *    the container, so Pulumi runs its delete first): the old container is paused (Traefik drops a
 *    container that is not running at its next look, and the requests it already accepted wait in
 *    its sockets), a throwaway container is started so that Traefik looks at once (it re-reads its
 *    containers on a start, a stop or a health change), then after Traefik's settling time the old
 *    one is unpaused to answer what it holds, and stopped. Then the provider removes it.
 * Values reach the scripts through their environment, never through their text.
 */

/**
 * Traefik applies a new configuration at most once per providersThrottleDuration (2 s by default):
 * the pause lasts that, and one more second for Traefik to reload.
 */
export const TRAEFIK_SETTLE_SECONDS = 3;

const MAKE_WAY = `
id="$(docker inspect --format '{{.Id}}' "$CONTAINER" 2>/dev/null)" || exit 0
stack="$(docker inspect --format '{{index .Config.Labels "${LABELS.stack}"}}' "$id")"
# Only this stack's own container: anything else holding the name makes the create fail, and says so.
[ "$stack" = "$STACK" ] || exit 0
live="$(docker inspect --format '{{index .Config.Labels "${LABELS.inputs}"}}' "$id")"
running_image="$(docker inspect --format '{{.Image}}' "$id")"
wanted_image="$(docker image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)"
# The same inputs and image: not a replacement (this runs because the stack moved or was created).
if [ "$live" = "$INPUTS" ] && [ "$running_image" = "$wanted_image" ]; then exit 0; fi
docker rename "$id" "$CONTAINER-old-\${id:0:12}"
echo "$WHO: $CONTAINER renamed $CONTAINER-old-\${id:0:12} while its replacement starts" >&2
`;

const RETIRE = `
state="$(docker inspect --format '{{.State.Status}}' "$CONTAINER_ID" 2>/dev/null)" || exit 0
name="$(docker inspect --format '{{.Name}}' "$CONTAINER_ID")"; name="\${name#/}"
if [ "$state" = running ]; then
  image="$(docker inspect --format '{{.Image}}' "$CONTAINER_ID")"
  # The throwaway runs the container's own healthcheck program (it is in the image), without network.
  mapfile -t probe < <(docker inspect --format '{{if .Config.Healthcheck}}{{range .Config.Healthcheck.Test}}{{println .}}{{end}}{{end}}' "$CONTAINER_ID")
  case "\${probe[0]:-}" in
    CMD) run=(--entrypoint "\${probe[1]}" "$image" "\${probe[@]:2}") ;;
    *) run=(--entrypoint /bin/sh "$image" -c :) ;;
  esac
  if docker pause "$CONTAINER_ID" >/dev/null; then
    look="$(docker run --detach --network none --log-driver none --label traefik.enable=false "\${run[@]}" 2>/dev/null || true)"
    sleep "$SETTLE"
    # Removed while the old one is still paused: Traefik's look at this stop still leaves it out.
    if [ -n "$look" ]; then docker rm --force "$look" >/dev/null 2>&1 || true; fi
    docker unpause "$CONTAINER_ID" >/dev/null || true
    sleep 1
    echo "$WHO: $name taken out of Traefik; stopping it" >&2
  fi
fi
docker stop --time "$GRACE" "$CONTAINER_ID" >/dev/null 2>&1 || true
`;

export interface HandoverTarget {
  readonly who: string;
  readonly stack: string;
  /** The Docker name, and the inputs hash of the container taking it. */
  readonly container: string;
  readonly inputsHash: string;
  /** The image the new container runs (a home-built image's name, or a pulled image's ID). */
  readonly image: pulumi.Input<string>;
}

/** Renames the running container the new one replaces (step 1). Triggered by what replaces it: its inputs and its image. */
export function makeWay(name: string, target: HandoverTarget, host: string | undefined, opts: pulumi.CustomResourceOptions): command.local.Command {
  return new command.local.Command(name, {
    interpreter: ["/bin/bash", "-c", `set -euo pipefail\n${MAKE_WAY}`, "dockerfiles"],
    create: "make-way",
    environment: {
      ...(host === undefined ? {} : { DOCKER_HOST: host }),
      WHO: target.who,
      STACK: target.stack,
      CONTAINER: target.container,
      INPUTS: target.inputsHash,
      IMAGE: target.image,
    },
    triggers: [target.inputsHash, target.image],
    logging: "stderr",
  }, opts);
}

/**
 * Takes its container out of Traefik and stops it when Pulumi deletes it (step 3): one per container
 * generation (triggered by the container's ID), created once the container is healthy.
 */
export function retireOnDelete(name: string, who: string, containerId: pulumi.Output<string>, stopGraceSeconds: number, host: string | undefined, opts: pulumi.CustomResourceOptions): command.local.Command {
  return new command.local.Command(name, {
    interpreter: ["/bin/bash", "-c", `set -euo pipefail\nif [ "$1" = retire ]; then ${RETIRE}\nfi`, "dockerfiles"],
    create: "serving",
    delete: "retire",
    environment: {
      ...(host === undefined ? {} : { DOCKER_HOST: host }),
      WHO: who,
      CONTAINER_ID: containerId,
      SETTLE: String(TRAEFIK_SETTLE_SECONDS),
      GRACE: String(stopGraceSeconds),
    },
    triggers: [containerId],
    logging: "stderr",
  }, opts);
}
