/**
 * A private registry for the end-to-end tests: Debian's docker-registry on 127.0.0.1 at a free port,
 * with htpasswd (bcrypt) authentication and its storage in a temporary directory. Docker treats
 * 127.0.0.0/8 registries as insecure, so plain HTTP is accepted for pushes.
 */
import { ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { freePort } from "./harness";

export const REGISTRY_BINARY = "/usr/bin/docker-registry";

export interface LocalRegistry {
  /** `127.0.0.1:<port>`: the registry's host as image names and `docker login` spell it. */
  readonly server: string;
  readonly username: string;
  readonly password: string;
  /** The tags the registry's API lists for a repository (`e2e-web`), [] when it has none. */
  tags(repository: string): Promise<string[]>;
  stop(): Promise<void>;
}

/** Why the registry cannot be started here, or undefined. */
export function registryMissing(): string | undefined {
  if (!fs.existsSync(REGISTRY_BINARY)) return `${REGISTRY_BINARY} is not installed (run scripts/toolchain.sh test-tools)`;
  try {
    execFileSync("htpasswd", ["-h"], { stdio: "ignore" });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return "htpasswd is not installed (run scripts/toolchain.sh test-tools)";
  }
  return undefined;
}

export async function startRegistry(): Promise<LocalRegistry> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockerfiles-registry-"));
  const port = await freePort();
  const server = `127.0.0.1:${port}`;
  const username = "deploy";
  const password = `reg-${randomBytes(12).toString("hex")}`;
  fs.writeFileSync(path.join(dir, "htpasswd"), execFileSync("htpasswd", ["-Bbn", username, password], { encoding: "utf8" }));
  fs.writeFileSync(path.join(dir, "config.yml"), [
    "version: 0.1",
    "log: {level: warn}",
    `storage: {filesystem: {rootdirectory: ${dir}/data}, delete: {enabled: true}}`,
    `http: {addr: "${server}", secret: ${randomBytes(8).toString("hex")}}`,
    `auth: {htpasswd: {realm: e2e, path: ${dir}/htpasswd}}`,
    "",
  ].join("\n"));
  const log = fs.openSync(path.join(dir, "registry.log"), "a");
  const child: ChildProcess = spawn(REGISTRY_BINARY, ["serve", path.join(dir, "config.yml")], { stdio: ["ignore", log, log] });
  const auth = `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
  const get = (p: string): Promise<Response> => fetch(`http://${server}${p}`, { headers: { authorization: auth }, signal: AbortSignal.timeout(5000) });
  for (let i = 0; ; i++) {
    try {
      if ((await get("/v2/")).status === 200) break;
    } catch {
      // not listening yet
    }
    if (i > 100 || child.exitCode !== null) throw new Error(`the registry did not start: ${fs.readFileSync(path.join(dir, "registry.log"), "utf8").slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    server,
    username,
    password,
    async tags(repository) {
      const res = await get(`/v2/${repository}/tags/list`);
      if (res.status === 404) return [];
      const body = (await res.json()) as { tags?: string[] | null };
      return body.tags ?? [];
    },
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once("exit", r)));
      fs.closeSync(log);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
