/**
 * The locks of a stack in a DIY backend (a bucket or a directory): Pulumi writes one object per
 * running update, `.pulumi/locks/<org>/<project>/<stack>/<id>.json`, holding who took it and when, and
 * deletes it at the end. An update killed mid-way leaves it behind, and every later update is refused.
 */
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { shellQuote, StackBackend } from "./backend";
import { isLockOf, LOCKS, parseLock, readDirectoryLocks, StackLock } from "./directoryLocks";
import { ago, formatTime } from "./update";

export { isLockOf, parseLock, StackLock };

/** The stack's locks; a backend this project cannot list (Pulumi Cloud, gs://…) has none to report. */
export async function readLocks(backend: StackBackend, project: string): Promise<StackLock[]> {
  const { location } = backend;
  if (location.kind === "file") return readDirectoryLocks(location.directory, project, backend.stack);
  if (location.kind === "s3") return readBucketLocks(backend, project);
  return [];
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
