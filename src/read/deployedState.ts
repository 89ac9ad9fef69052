import * as fs from "node:fs";
import * as path from "node:path";
import { gunzipSync } from "node:zlib";
import { Fingerprints } from "../environment/fingerprint";
import { readDirectoryLocks } from "../state/directoryLocks";
import { DOCKER_TYPES, inputsHashOf } from "./dockerResources";

/**
 * What a stack's state in a directory backend says was deployed, read from Pulumi's files without the
 * engine (`.pulumi/stacks/<project>/<stack>.json[.gz]`, `.pulumi/history/…`, `.pulumi/locks/…`).
 * Any shape this reader does not know counts as "cannot tell": the engine then runs.
 */
export interface DeployedState {
  /** The root stack's `fingerprints` output; undefined when the last successful up recorded none. */
  readonly fingerprints?: Fingerprints;
  /** Operations an interrupted update left pending. */
  readonly pendingOperations: number;
  /** Updates running now, or killed mid-way. */
  readonly locks: number;
  /** The newest update, refresh or destroy in the history, and how it ended. */
  readonly lastUpdate?: { readonly kind: string; readonly result: string };
  /** The Docker objects the state holds, by name: each container with its inputs hash label (undefined when it has none). */
  readonly resources: DeployedResources;
}

export interface DeployedResources {
  readonly containers: ReadonlyMap<string, string | undefined>;
  readonly networks: ReadonlySet<string>;
  readonly volumes: ReadonlySet<string>;
}

interface CheckpointResource {
  readonly type?: string;
  readonly outputs?: Record<string, unknown>;
}

/** The stack's state, or why it cannot be read here (then the engine decides). */
export function readDeployedState(directory: string, project: string, stack: string): DeployedState | string {
  const base = path.join(directory, ".pulumi/stacks", project, stack);
  const file = [`${base}.json`, `${base}.json.gz`].find((f) => fs.existsSync(f));
  if (!file) return `no state of stack ${stack} in ${directory}`;
  const bytes = fs.readFileSync(file);
  const checkpoint = JSON.parse((file.endsWith(".gz") ? gunzipSync(bytes) : bytes).toString("utf8")) as {
    checkpoint?: { latest?: { resources?: CheckpointResource[]; pending_operations?: unknown[] } };
  };
  const latest = checkpoint.checkpoint?.latest;
  if (!latest) return `the state of stack ${stack} holds no deployment`;
  const root = latest.resources?.find((r) => r.type === "pulumi:pulumi:Stack");
  return {
    fingerprints: asFingerprints(root?.outputs?.fingerprints),
    pendingOperations: latest.pending_operations?.length ?? 0,
    locks: readDirectoryLocks(directory, project, stack).length,
    lastUpdate: lastHistoryEntry(path.join(directory, ".pulumi/history", project, stack)),
    resources: dockerResources(latest.resources ?? []),
  };
}

/** The docker provider's containers, networks and volumes in a checkpoint, by their `name` output. */
function dockerResources(resources: readonly CheckpointResource[]): DeployedResources {
  const named = (type: string): [string, Record<string, unknown>][] => resources
    .filter((r) => r.type === type && typeof r.outputs?.name === "string")
    .map((r) => [r.outputs!.name as string, r.outputs!]);
  return {
    containers: new Map(named(DOCKER_TYPES.container).map(([name, outputs]) => [name, inputsHashOf(outputs.labels)])),
    networks: new Set(named(DOCKER_TYPES.network).map(([name]) => name)),
    volumes: new Set(named(DOCKER_TYPES.volume).map(([name]) => name)),
  };
}

function asFingerprints(v: unknown): Fingerprints | undefined {
  if (!v || typeof v !== "object") return undefined;
  const f = v as { stack?: unknown; folders?: unknown };
  if (typeof f.stack !== "string" || !f.folders || typeof f.folders !== "object") return undefined;
  return { stack: f.stack, folders: f.folders as Record<string, string> };
}

/** History files are named `<stack>-<unix nanoseconds>.history.json`: the newest sorts last. */
function lastHistoryEntry(dir: string): DeployedState["lastUpdate"] {
  if (!fs.existsSync(dir)) return undefined;
  const newest = fs.readdirSync(dir).filter((f) => /-\d+\.history\.json$/.test(f)).sort((a, b) => {
    const ta = BigInt(/-(\d+)\.history\.json$/.exec(a)![1]);
    const tb = BigInt(/-(\d+)\.history\.json$/.exec(b)![1]);
    return ta < tb ? -1 : ta > tb ? 1 : 0;
  }).pop();
  if (!newest) return undefined;
  const entry = JSON.parse(fs.readFileSync(path.join(dir, newest), "utf8")) as { kind?: string; result?: string };
  return { kind: entry.kind ?? "?", result: entry.result ?? "?" };
}
