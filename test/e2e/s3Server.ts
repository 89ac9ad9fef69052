/**
 * A real S3-compatible server for the shared-state tests: `rclone serve s3` on 127.0.0.1 at a free
 * port, its buckets sub-folders of a temporary directory, with its own keys. No mock of S3.
 * rclone is built by `scripts/toolchain.sh test-tools` into the toolchain cache (scripts/versions.env).
 */
import { ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { endProcess, freePort } from "./harness";

export const RCLONE = process.env.RCLONE ?? path.join(os.homedir(), ".cache/pulumi-toolchain/bin/rclone");

export interface S3Server {
  readonly endpoint: string;
  /** The keys, as the deploying shell exports them (state.credentials: environment). */
  readonly keys: { readonly AWS_ACCESS_KEY_ID: string; readonly AWS_SECRET_ACCESS_KEY: string };
  /** The backend URL the README documents, for a bucket of this server. */
  backendUrl(bucket: string): string;
  /** Every object of a bucket, as files on the server's disk. */
  objects(bucket: string): string[];
  stop(): Promise<void>;
}

/** Why the server cannot run here, or undefined. */
export function rcloneMissing(): string | undefined {
  return fs.existsSync(RCLONE) ? undefined : `no rclone at ${RCLONE} (run scripts/toolchain.sh test-tools)`;
}

const running = new Set<ChildProcess>();
// However the test process ends, the servers it started end with it.
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/** Starts the server with these buckets (rclone lists a new folder only after its directory cache expires: made first). */
export async function startS3Server(buckets: readonly string[]): Promise<S3Server> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockerfiles-s3-"));
  for (const b of buckets) fs.mkdirSync(path.join(dir, "data", b), { recursive: true });
  const port = await freePort();
  const keys = { AWS_ACCESS_KEY_ID: `e2e-access-${randomBytes(4).toString("hex")}`, AWS_SECRET_ACCESS_KEY: `e2e-secret-${randomBytes(12).toString("hex")}` };
  const log = fs.openSync(path.join(dir, "rclone.log"), "a");
  const child = spawn(RCLONE, ["serve", "s3", path.join(dir, "data"), "--addr", `127.0.0.1:${port}`, "--auth-key", `${keys.AWS_ACCESS_KEY_ID},${keys.AWS_SECRET_ACCESS_KEY}`, "--config", "/dev/null"], {
    stdio: ["ignore", log, log],
  });
  running.add(child);
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    await endProcess(child);
    running.delete(child);
    fs.closeSync(log);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; ; i++) {
    try {
      await fetch(endpoint, { signal: AbortSignal.timeout(1000) });
      break;
    } catch {
      // not listening yet
    }
    if (i > 100 || child.exitCode !== null) {
      const why = fs.readFileSync(path.join(dir, "rclone.log"), "utf8").slice(-2000);
      await stop();
      throw new Error(`rclone serve s3 did not start: ${why}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    endpoint,
    keys,
    backendUrl: (bucket) => `s3://${bucket}?endpoint=${endpoint}&use_path_style=true&region=us-east-1`,
    objects(bucket) {
      const root = path.join(dir, "data", bucket);
      return fs.readdirSync(root, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
    },
    stop,
  };
}
