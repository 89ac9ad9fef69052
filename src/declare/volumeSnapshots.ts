import * as pulumi from "@pulumi/pulumi";
import { LABELS } from "../environment/applyStack";
import { SnapshotSettings } from "../settings";
import { Command } from "./leanResources";

/**
 * Snapshots of data volumes, taken on the volume's own Docker host by a throwaway container running
 * tar: `<directory>/<volume>/<volume>-<UTC time>[-<why>].tar.gz`, the newest `keep` kept. The same
 * scripts serve `up` (before a replacement) and `npm run restore`. Values reach them through their
 * environment (VOLUME, DIRECTORY, KEEP, IMAGE, WHY, SNAPSHOT), never through their text.
 */

/** Prints the new snapshot's path on stdout; KEEP=0 prunes nothing. */
export const TAKE_SNAPSHOT = `
take_snapshot() {
  local file="$VOLUME-$(date -u +%Y%m%dT%H%M%SZ)\${WHY:+-$WHY}.tar.gz"
  docker run --rm --network none -v "$VOLUME:/volume:ro" -v "$DIRECTORY/$VOLUME:/backup" "$IMAGE" sh -c '
    tar -C /volume -czf "/backup/$1.partial" . && mv "/backup/$1.partial" "/backup/$1" &&
    if [ "$2" -gt 0 ]; then ls -1 /backup | grep "\\.tar\\.gz$" | sort -r | tail -n +$(($2 + 1)) | while read -r old; do rm -f "/backup/$old"; done; fi
  ' snapshot "$file" "$KEEP" >&2
  echo "$DIRECTORY/$VOLUME/$file"
}
`;

/** Replaces the volume's content with SNAPSHOT (a file name in the volume's snapshot folder). */
export const RESTORE_SNAPSHOT = `
restore_snapshot() {
  docker run --rm --network none -v "$VOLUME:/volume" -v "$DIRECTORY/$VOLUME:/backup:ro" "$IMAGE" sh -c '
    test -f "/backup/$1" || { echo "no snapshot $1 in the snapshot folder" >&2; exit 1; }
    find /volume -mindepth 1 -delete && tar -C /volume -xzf "/backup/$1"
  ' restore "$SNAPSHOT" >&2
}
`;

/** Lists `<volume> <count> <KiB>` per volume folder under DIRECTORY. */
export const SNAPSHOT_USAGE = `
docker run --rm --network none -v "$DIRECTORY:/backup:ro" "$IMAGE" sh -c '
  for d in /backup/*/; do
    [ -d "$d" ] || continue
    echo "$(basename "$d") $(ls -1 "$d" | grep -c "\\.tar\\.gz$") $(du -sk "$d" | cut -f1)"
  done'
`;

/** Lists the snapshot files of VOLUME, newest first. */
export const LIST_SNAPSHOTS = `
docker run --rm --network none -v "$DIRECTORY/$VOLUME:/backup:ro" "$IMAGE" sh -c 'ls -1 /backup | grep "\\.tar\\.gz$" | sort -r'
`;

const BEFORE_REPLACE = `
live="$(docker inspect --format '{{index .Config.Labels "${LABELS.inputs}"}}' "$CONTAINER" 2>/dev/null)" || exit 0
# The same inputs: the container is not replaced (this runs because it was created or the stack moved).
[ "$live" = "$INPUTS" ] && exit 0
echo "$WHO: stopping $CONTAINER to snapshot the volume $VOLUME before it is replaced" >&2
docker stop "$CONTAINER" >/dev/null
if ! path="$(take_snapshot)"; then
  docker start "$CONTAINER" >/dev/null 2>&1 || true
  echo "$WHO: the snapshot of $VOLUME failed; $CONTAINER was started again and is not replaced" >&2
  exit 1
fi
echo "$WHO: snapshot of the volume $VOLUME before replacing $CONTAINER: $path" >&2
echo "$path"
`;

export interface SnapshotTarget {
  readonly who: string;
  /** The container's Docker name, and the inputs hash of the container replacing it. */
  readonly container: string;
  readonly inputsHash: string;
  readonly volume: string;
}

/**
 * Snapshots a data volume just before `up` replaces the container writing it: triggered by the same
 * inputs hash as the replacement, and a no-op when the container does not exist yet or already runs
 * those inputs. The container is stopped first (consistent data; it is about to be removed anyway).
 */
export function snapshotBeforeReplace(name: string, target: SnapshotTarget, settings: SnapshotSettings, host: string | undefined, opts: pulumi.CustomResourceOptions): Command {
  return new Command(name, {
    interpreter: ["/bin/bash", "-c", `set -euo pipefail\n${TAKE_SNAPSHOT}\n${BEFORE_REPLACE}`, "dockerfiles"],
    create: "snapshot-before-replace",
    environment: {
      ...(host === undefined ? {} : { DOCKER_HOST: host }),
      WHO: target.who,
      CONTAINER: target.container,
      INPUTS: target.inputsHash,
      VOLUME: target.volume,
      DIRECTORY: settings.directory,
      KEEP: String(settings.keep),
      IMAGE: settings.image,
      WHY: "before-replace",
    },
    triggers: [target.inputsHash],
    logging: "stderr",
  }, opts);
}
