/**
 * The locks of a stack in a DIY backend (a bucket or a directory): Pulumi writes one object per
 * running update, `.pulumi/locks/<org>/<project>/<stack>/<id>.json`, holding who took it and when, and
 * deletes it at the end. An update killed mid-way leaves it behind, and every later update is refused.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { shellQuote, StackBackend } from "./backend";
import { ago, formatTime } from "./update";

export interface StackLock {
  /** The object's key in the backend. */
  readonly key: string;
  /** `user@host`, as Pulumi wrote it. */
  readonly holder: string;
  readonly pid: number;
  readonly since: Date;
}

const LOCKS = ".pulumi/locks/";

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

/** The stack's locks; a backend this project cannot list (Pulumi Cloud, gs://…) has none to report. */
export async function readLocks(backend: StackBackend, project: string): Promise<StackLock[]> {
  const { location } = backend;
  if (location.kind === "file") return readDirectoryLocks(location.directory, project, backend.stack);
  if (location.kind === "s3") return readBucketLocks(backend, project);
  return [];
}

function readDirectoryLocks(directory: string, project: string, stack: string): StackLock[] {
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

/** An S3 client for the backend's bucket, with the stack's credentials setting. */
export function bucketClient(backend: StackBackend): S3Client {
  if (backend.location.kind !== "s3") throw new Error(`${backend.url} is not an S3 backend`);
  const { endpoint, region, pathStyle } = backend.location;
  return new S3Client({
    endpoint,
    region: region ?? "us-east-1",
    forcePathStyle: pathStyle,
    ...(backend.credentials.from === "profile" ? { profile: backend.credentials.profile } : {}),
  });
}

async function readBucketLocks(backend: StackBackend, project: string): Promise<StackLock[]> {
  if (backend.location.kind !== "s3") return [];
  const { bucket, prefix } = backend.location;
  const base = `${prefix ? `${prefix.replace(/\/+$/, "")}/` : ""}${LOCKS}`;
  const client = bucketClient(backend);
  try {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: base, ContinuationToken: token }));
      keys.push(...(page.Contents ?? []).map((o) => o.Key ?? "").filter((k) => isLockOf(k.slice(base.length), project, backend.stack)));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    const locks = await Promise.all(keys.map(async (key) => {
      try {
        const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return parseLock(key, (await object.Body?.transformToString()) ?? "");
      } catch {
        return undefined; // released while being read
      }
    }));
    return locks.filter((l): l is StackLock => l !== undefined);
  } finally {
    client.destroy();
  }
}

/**
 * What status says of a lock: first what to check (is someone deploying?), then the exact command
 * that clears it, with the stack's backend.
 */
export function lockAdvice(backend: StackBackend, locks: readonly StackLock[], now: Date): string[] {
  if (locks.length === 0) return [];
  const env = Object.entries(backend.env).map(([k, v]) => `${k}=${shellQuote(v)}`).join(" ");
  return [
    ...locks.map((l) => `locked by ${l.holder} (pid ${l.pid}) since ${formatTime(l.since)} (${ago(l.since, now)}); every other update is refused until it is released`),
    `check first: is anyone deploying ${backend.stack}? Ask ${[...new Set(locks.map((l) => l.holder))].join(", ")}, or on that machine: ps -p ${locks.map((l) => l.pid).join(",")}. A running update releases the lock itself when it ends; never clear it under one.`,
    `if nobody is (an update killed mid-way), clear it: ${env} pulumi cancel --stack ${backend.stack} --yes`,
    `then npm run recover -- ${backend.stack}: clears what the interrupted update left pending and reads every resource back from Docker`,
  ];
}
