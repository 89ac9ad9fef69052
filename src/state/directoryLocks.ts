/**
 * The locks of a stack in a directory backend, read without the S3 client (the no-change check loads
 * this and must start fast). Pulumi writes one file per running update,
 * `.pulumi/locks/<org>/<project>/<stack>/<id>.json`, and deletes it at the end.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export interface StackLock {
  /** The object's key in the backend. */
  readonly key: string;
  /** `user@host`, as Pulumi wrote it. */
  readonly holder: string;
  readonly pid: number;
  readonly since: Date;
}

export const LOCKS = ".pulumi/locks/";

/** Whether a key under `.pulumi/locks/` is a lock of this stack (project layout, or the older per-stack one). */
export function isLockOf(relativeKey: string, project: string, stack: string): boolean {
  const parts = relativeKey.split("/");
  if (!parts[parts.length - 1].endsWith(".json")) return false;
  return (parts.length === 4 && parts[1] === project && parts[2] === stack) || (parts.length === 2 && parts[0] === stack);
}

/** A lock object's content; undefined when it is not one Pulumi wrote. */
export function parseLock(key: string, text: string): StackLock | undefined {
  try {
    const l = JSON.parse(text) as { pid?: number; username?: string; hostname?: string; timestamp?: string };
    if (typeof l.timestamp !== "string") return undefined;
    return { key, holder: `${l.username ?? "?"}@${l.hostname ?? "?"}`, pid: l.pid ?? 0, since: new Date(l.timestamp) };
  } catch {
    return undefined;
  }
}

export function readDirectoryLocks(directory: string, project: string, stack: string): StackLock[] {
  const root = path.join(directory, LOCKS);
  if (!fs.existsSync(root)) return [];
  const keys = fs.readdirSync(root, { recursive: true, encoding: "utf8" }).map((k) => k.split(path.sep).join("/"));
  return keys.filter((k) => isLockOf(k, project, stack)).flatMap((k) => {
    try {
      const lock = parseLock(LOCKS + k, fs.readFileSync(path.join(root, k), "utf8"));
      return lock ? [lock] : [];
    } catch {
      return []; // released while being read
    }
  });
}

