/**
 * A real Traefik for the end-to-end tests, as the organisation runs it in front of its services:
 * the docker provider (watching the test's Docker engine, routing only containers that say
 * traefik.enable=true and name the run's network in traefik.docker.network), an HTTP entry point on
 * 127.0.0.1 at a free port, and its API on another (to wait for a route). Traefik is built by
 * `scripts/toolchain.sh test-tools` into the toolchain cache (scripts/versions.env).
 */
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { endProcess, freePort } from "./harness";

export const TRAEFIK = process.env.TRAEFIK ?? path.join(os.homedir(), ".cache/pulumi-toolchain/bin/traefik");

/** Why Traefik cannot run here, or undefined. */
export function traefikMissing(): string | undefined {
  return fs.existsSync(TRAEFIK) ? undefined : `no traefik at ${TRAEFIK} (run scripts/toolchain.sh test-tools)`;
}

export interface TraefikServer {
  /** The HTTP entry point's port on 127.0.0.1. */
  readonly port: number;
  /** A request through Traefik for this host name: the status, the body, or the error when none came. */
  get(host: string, urlPath?: string): Promise<{ status: number; body: string }>;
  /** Waits until Traefik answers this host with `status` (its configuration follows Docker's events). */
  waitFor(host: string, status: number, timeoutMs?: number): Promise<{ status: number; body: string }>;
  /** Traefik's log so far (for failure messages). */
  log(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/** Starts Traefik routing the containers on `network`. */
export async function startTraefik(network: string): Promise<TraefikServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockerfiles-traefik-"));
  const [port, apiPort] = [await freePort(), await freePort()];
  const logFile = path.join(dir, "traefik.log");
  const log = fs.openSync(logFile, "a");
  const child = spawn(TRAEFIK, [
    `--entryPoints.web.address=127.0.0.1:${port}`,
    `--entryPoints.traefik.address=127.0.0.1:${apiPort}`,
    "--ping=true",
    "--api.insecure=true",
    "--api.dashboard=false",
    "--global.checkNewVersion=false",
    "--global.sendAnonymousUsage=false",
    "--providers.docker=true",
    `--providers.docker.endpoint=${process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock"}`,
    "--providers.docker.exposedByDefault=false",
    `--providers.docker.network=${network}`,
    // Only this run's containers (they name its network): two runs on one engine never share a route.
    `--providers.docker.constraints=Label(\`traefik.docker.network\`,\`${network}\`)`,
    "--log.level=DEBUG",
    "--log.noColor=true",
  ], { stdio: ["ignore", log, log] });
  running.add(child);
  const stop = async (): Promise<void> => {
    await endProcess(child);
    running.delete(child);
    fs.closeSync(log);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const readLog = (): string => (fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8") : "");
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${apiPort}/ping`, { signal: AbortSignal.timeout(1000) })).ok) break;
    } catch {
      // not listening yet
    }
    if (i > 100 || child.exitCode !== null) {
      const why = readLog().slice(-2000);
      await stop();
      throw new Error(`traefik did not start: ${why}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  // node:http, not fetch: fetch does not send a Host header of its own choosing.
  const get = (host: string, urlPath = "/"): Promise<{ status: number; body: string }> => new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path: urlPath, headers: { Host: host }, agent: false, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error("no answer within 10 s")));
    req.on("error", reject);
    req.end();
  });
  return {
    port,
    get,
    async waitFor(host, status, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      let last: { status: number; body: string } | string = "no answer";
      while (Date.now() < deadline) {
        try {
          last = await get(host);
          if (last.status === status) return last;
        } catch (e) {
          last = String(e);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      const notes = readLog().split("\n").filter((l) => / (ERR|WRN) |Configuration received/.test(l)).slice(-8).join("\n");
      throw new Error(`traefik did not answer ${status} for ${host} within ${timeoutMs} ms; last: ${JSON.stringify(last)}; its log's last warnings and configurations:\n${notes}`);
    },
    log: readLog,
    stop,
  };
}

export interface LoadResult {
  readonly sent: number;
  readonly failed: number;
  /** Each failure: milliseconds since the start, and the status or error. */
  readonly failures: readonly { readonly at: number; readonly what: string }[];
  /** The bodies answered, in order of the requests, without repeats (which version served when). */
  readonly bodies: readonly string[];
}

/**
 * A client asking `host` through Traefik every `everyMs` milliseconds (each request on its own, not
 * waiting for the previous one) until `stop` resolves. A request fails on anything but 200.
 */
export async function underLoad(traefik: TraefikServer, host: string, everyMs: number, during: () => Promise<unknown>): Promise<LoadResult> {
  const started = Date.now();
  const failures: { at: number; what: string }[] = [];
  const bodies: string[] = [];
  const pending: Promise<void>[] = [];
  let done = false;
  const one = async (): Promise<void> => {
    const at = Date.now() - started;
    try {
      const r = await traefik.get(host);
      if (r.status !== 200) failures.push({ at, what: `status ${r.status}` });
      else if (bodies[bodies.length - 1] !== r.body) bodies.push(r.body);
    } catch (e) {
      failures.push({ at, what: String(e) });
    }
  };
  const ticker = (async () => {
    while (!done) {
      pending.push(one());
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  try {
    await during();
  } finally {
    done = true;
    await ticker;
    await Promise.all(pending);
  }
  return { sent: pending.length, failed: failures.length, failures, bodies };
}
