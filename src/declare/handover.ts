import * as pulumi from "@pulumi/pulumi";
import { LABELS } from "../environment/labels";
import { Command } from "./leanResources";

/**
 * Start-first replacement (replaceOrder.ts), around the docker provider's create-before-delete:
 * 1. make-way, just before the new container is created: the running container of that name is
 *    renamed `<name>-old-<id>`, so the new one takes the name (admins' `docker exec -it <name>` and
 *    other containers' DNS keep working: the old one keeps the name as a network alias meanwhile).
 * 2. the new container starts; the health wait holds everything after it until it is healthy, and
 *    Traefik, which routes only to healthy containers, adds it beside the old one.
 * 3. handover, as soon as the new one is healthy: the service's other containers (the old one) are
 *    paused (Traefik drops a container that is not running at its next look, and the requests they
 *    already accepted wait in their sockets), a throwaway container is started so that Traefik looks
 *    at once (it re-reads its containers on a start, a stop or a health change), then after the
 *    stack's handoverSeconds (Traefik's throttle plus a second) they are unpaused to answer what
 *    they hold, and stopped. Pulumi removes the old container at the end of `up`.
 *    Traefik sees containers through the engine's socket: when no running container mounts it (no
 *    Traefik, nor a socket proxy in front of one, as on a laptop) and the stack does not say that
 *    Traefik watches from outside Docker, nothing routes by these labels, and the old containers are
 *    stopped at once.
 * Values reach the scripts through their environment, never through their text.
 */

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

const HANDOVER = `
mapfile -t old < <(docker ps --quiet --no-trunc --filter "label=${LABELS.stack}=$STACK" --filter "label=${LABELS.folder}=$FOLDER" --filter "label=${LABELS.service}=$SERVICE" | grep -v "^$CONTAINER_ID$" || true)
[ "\${#old[@]}" -gt 0 ] || exit 0
names="$(docker inspect --format '{{.Name}}' "\${old[@]}" | sed 's,^/,,' | paste -sd ' ')"
if [ -z "\${TRAEFIK_OUTSIDE_DOCKER:-}" ]; then
  watchers="$(docker ps --quiet --no-trunc | grep -vxF -f <(printf '%s\n' "\${old[@]}") | xargs -r docker inspect --format '{{.Name}}{{range .Mounts}} {{.Source}} {{end}}' |
    awk '/(docker|podman)[.]sock /{print substr($1, 2)}' | paste -sd ' ' || true)"
  if [ -z "$watchers" ]; then
    # Paused by a handover that was interrupted: answering what they hold before they stop.
    docker unpause "\${old[@]}" >/dev/null 2>&1 || true
    docker stop -t "$GRACE" "\${old[@]}" >/dev/null 2>&1 || true
    echo "$WHO: $CONTAINER serves; $names stopped without a handover (no running container mounts this Docker engine's socket, so no Traefik routes by its labels; traefikOutsideDocker: true if one watches from outside Docker)" >&2
    exit 0
  fi
fi
# The throwaway runs the old container's own healthcheck program (it is in its image), without network.
image="$(docker inspect --format '{{.Image}}' "\${old[0]}")"
mapfile -t probe < <(docker inspect --format '{{if .Config.Healthcheck}}{{range .Config.Healthcheck.Test}}{{println .}}{{end}}{{end}}' "\${old[0]}")
case "\${probe[0]:-}" in
  CMD) run=(--entrypoint "\${probe[1]}" "$image" "\${probe[@]:2}") ;;
  *) run=(--entrypoint /bin/sh "$image" -c :) ;;
esac
# Created before the pause, started after it: the old ones are paused no longer than needed.
look="$(docker create --network none --log-driver none --label traefik.enable=false "\${run[@]}" 2>/dev/null || true)"
# Already paused: a handover that was interrupted (its requests still wait in its sockets).
paused=()
for id in "\${old[@]}"; do
  if [ "$(docker inspect --format '{{.State.Status}}' "$id" 2>/dev/null)" = paused ] || docker pause "$id" >/dev/null 2>&1; then paused+=("$id"); fi
done
if [ -n "$look" ]; then docker start "$look" >/dev/null 2>&1 || true; fi
sleep "$SETTLE"
if [ "\${#paused[@]}" -gt 0 ]; then docker unpause "\${paused[@]}" >/dev/null 2>&1 || true; sleep 1; fi
docker stop -t "$GRACE" "\${old[@]}" >/dev/null 2>&1 || true
# Removed once the old ones are stopped (its end is a look of Traefik's too, which must leave them out).
if [ -n "$look" ]; then docker rm --force "$look" >/dev/null 2>&1 || true; fi
echo "$WHO: $CONTAINER serves; $names taken out of Traefik and stopped\${watchers:+ (the Docker socket is mounted by $watchers)}" >&2
`;

/** The stack's settings for start-first replacements (StackSettings: handoverSeconds, traefikOutsideDocker). */
export interface HandoverSettings {
  readonly seconds: number;
  readonly traefikOutsideDocker: boolean;
}

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
export function makeWay(name: string, target: HandoverTarget, host: string | undefined, opts: pulumi.CustomResourceOptions): Command {
  return new Command(name, {
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
 * Hands the service over to its new container once it is healthy (step 3): runs again whenever the
 * container is replaced (triggered by its ID); a no-op when no other container of the service runs.
 */
export interface HandoverOf {
  readonly who: string;
  readonly stack: string;
  readonly folder: string;
  readonly service: string;
  readonly settings: HandoverSettings;
  /** The container's stop_grace_period. */
  readonly stopGraceSeconds: number;
}

export function handover(name: string, target: HandoverOf, container: pulumi.Output<string>, containerId: pulumi.Output<string>, host: string | undefined, opts: pulumi.CustomResourceOptions): Command {
  return new Command(name, {
    interpreter: ["/bin/bash", "-c", `set -euo pipefail\n${HANDOVER}`, "dockerfiles"],
    create: "handover",
    environment: {
      ...(host === undefined ? {} : { DOCKER_HOST: host }),
      WHO: target.who,
      STACK: target.stack,
      FOLDER: target.folder,
      SERVICE: target.service,
      CONTAINER: container,
      CONTAINER_ID: containerId,
      SETTLE: String(target.settings.seconds),
      ...(target.settings.traefikOutsideDocker ? { TRAEFIK_OUTSIDE_DOCKER: "true" } : {}),
      GRACE: String(target.stopGraceSeconds),
    },
    triggers: [containerId],
    logging: "stderr",
  }, opts);
}
