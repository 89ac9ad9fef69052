/**
 * End-to-end harness: a throwaway copy of the project (program + fixture services) in a temp dir,
 * driven through the Automation API with the real Pulumi engine against the real Docker engine.
 */
import { ChildProcess, execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { projectSetting } from "../../src/cli/projectSettings";

export const REPO_ROOT = path.resolve(__dirname, "../..");

export const PULUMI_VERSION = projectSetting("PULUMI_VERSION");
/** The committed Pulumi.test.yaml carries the salt of this passphrase. */
export const TEST_STACK_PASSPHRASE = projectSetting("TEST_STACK_PASSPHRASE");
const PULUMI_HOME = process.env.PULUMI_HOME ?? path.join(os.homedir(), ".pulumi");
export const PULUMI_ROOT = path.join(PULUMI_HOME, "versions", PULUMI_VERSION);

/** The provider plugins the npm packages ask for (package.json of @pulumi/docker and @pulumi/command). */
export const PLUGINS = ["docker", "command"].map((name) => ({ name, version: require(`@pulumi/${name}/package.json`).pulumi.version as string }));

function pluginInstalled(name: string, version: string): boolean {
  return fs.existsSync(path.join(PULUMI_HOME, "plugins", `resource-${name}-v${version}`, `pulumi-resource-${name}`));
}

/** Why end-to-end tests cannot run here, or undefined when they can. */
export function missingPrerequisite(): string | undefined {
  if (!fs.existsSync(path.join(PULUMI_ROOT, "bin", "pulumi"))) return `no Pulumi CLI at ${PULUMI_ROOT}/bin/pulumi (run scripts/toolchain.sh)`;
  if (spawnSync("docker", ["info"], { stdio: "ignore", env: dockerEnv() }).status !== 0) return "no Docker engine answers `docker info` (run scripts/toolchain.sh)";
  const missing = PLUGINS.filter((p) => !pluginInstalled(p.name, p.version));
  if (missing.length > 0) {
    return `provider plugin(s) ${missing.map((p) => `${p.name} ${p.version}`).join(", ")} not installed (run scripts/toolchain.sh; it installs them from PULUMI_PLUGINS_DIR when Pulumi's downloads do not answer)`;
  }
  return undefined;
}

/**
 * In CI (CI=true) the end-to-end tests must run: anything missing fails the run with the reason.
 * Elsewhere they skip, with one line saying why. `alsoNeeds` says what else a test file needs (an
 * sshd, a registry…), or undefined when it is there.
 */
export function skipReason(what = "end-to-end tests", alsoNeeds: () => string | undefined = () => undefined): string | false {
  const missing = missingPrerequisite() ?? alsoNeeds();
  if (!missing) return false;
  if (process.env.CI === "true") throw new Error(`${what} cannot run in CI: ${missing}`);
  console.log(`# skipping ${what}: ${missing}`);
  return missing;
}

export function dockerEnv(): NodeJS.ProcessEnv {
  return { ...process.env };
}

export function docker(...args: string[]): string {
  return execFileSync("docker", args, { encoding: "utf8", env: dockerEnv(), stdio: ["ignore", "pipe", "pipe"] }).trim();
}

export function dockerJson(...args: string[]): any {
  return JSON.parse(docker(...args));
}

/** Removes whatever an earlier, interrupted run left behind (containers, networks, volumes by name). */
export function removeLeftovers(containers: string[], networks: string[], volumes: string[]): void {
  for (const c of containers) spawnSync("docker", ["rm", "-f", c], { stdio: "ignore" });
  for (const n of networks) spawnSync("docker", ["network", "rm", n], { stdio: "ignore" });
  for (const v of volumes) spawnSync("docker", ["volume", "rm", "-f", v], { stdio: "ignore" });
}

/**
 * This run's Docker names: every `e2e-` of the fixtures (containers, networks, volumes, images, folder
 * and router names, file contents) becomes `e2e<run>-`, and their host ports free ones, so that two
 * runs on one engine, or a developer's own `e2e-…` containers, never meet.
 */
export const RUN = process.env.E2E_RUN_ID ?? randomBytes(3).toString("hex");
export function e2e(text: string): string {
  return text.replace(/e2e-/g, `e2e${RUN}-`);
}
/** Ends a server the test started: SIGTERM, then SIGKILL when it has not exited within 5 s. */
export async function endProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
}

/** The fixtures' host ports → this run's. */
const PORTS = new Map<number, number>();
const FIXTURE_PORTS = [18080, 18081];

/**
 * A host port free now and kept free: chosen below the kernel's ephemeral range, so that no outgoing
 * connection (the engine's gRPC, the Docker API, a test's fetch) takes it between the choice and the
 * moment a container or server listens on it, which happened with ports the kernel handed out.
 * Random, so that test files running side by side rarely try the same one; each try is checked by
 * listening on it.
 */
export async function freePort(): Promise<number> {
  const [low, high] = [20000, Math.min(ephemeralPortsStart(), 32768) - 1];
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (!HANDED_OUT.has(port) && await canListen(port)) { HANDED_OUT.add(port); return port; }
  }
  throw new Error(`no free host port between ${low} and ${high} after 200 tries`);
}
const HANDED_OUT = new Set<number>();

function ephemeralPortsStart(): number {
  try { return Number(fs.readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]) || 32768; }
  catch { return 32768; }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** Copies a fixture folder tree with this run's names and ports, and the given text replacements. */
export async function copyFixture(from: string, to: string, replace: Readonly<Record<string, string>> = {}): Promise<void> {
  for (const p of FIXTURE_PORTS) if (!PORTS.has(p)) PORTS.set(p, await freePort());
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, e2e(entry.name));
    if (entry.isDirectory()) await copyFixture(source, target, replace);
    else {
      let text = fs.readFileSync(source, "utf8");
      for (const [fixed, port] of PORTS) text = text.replaceAll(String(fixed), String(port));
      for (const [from, to] of Object.entries(replace)) text = text.replaceAll(from, to);
      fs.writeFileSync(target, e2e(text), { mode: fs.statSync(source).mode });
    }
  }
}

/**
 * The manual procedure's first step in a service folder: each `secrets/*.example` copied to the real
 * file beside it (compose reads the real ones).
 */
export function copyExampleSecrets(folder: string): void {
  const secrets = path.join(folder, "secrets");
  if (!fs.existsSync(secrets)) return;
  for (const f of fs.readdirSync(secrets)) if (f.endsWith(".example")) fs.copyFileSync(path.join(secrets, f), path.join(secrets, f.slice(0, -".example".length)));
}

/**
 * Ends a test file's project: its stack destroyed (when that fails, its Docker names removed), its
 * copy deleted, and this run's images removed.
 */
export async function closeProject(p: Project, containers: string[], networks: string[], volumes: string[]): Promise<void> {
  try {
    await p.stack.destroy();
  } catch {
    removeLeftovers(containers, networks, volumes);
  }
  await p.cleanup();
  removeRunImages();
}

/** Removes this run's images (the program never deletes images: rollback reuses them). */
export function removeRunImages(): void {
  const images = docker("images", "--format", "{{.Repository}}:{{.Tag}}").split("\n").filter((i) => i.includes(`/e2e${RUN}-`));
  for (const i of images) spawnSync("docker", ["rmi", i], { stdio: "ignore" });
}

export interface Project {
  dir: string;
  stack: Stack;
  /** What the project's Pulumi commands run with (backend, passphrase). */
  env: Record<string, string>;
  /** Path of a file in the project copy. */
  file(rel: string): string;
  edit(rel: string, change: (text: string) => string): void;
  /** git in the project copy, as a user named e2e. */
  git(...args: string[]): string;
  /**
   * Runs one of the project's commands (`status`, `rollback`, …) in this process with the project's
   * environment (backend, passphrase, PATH): its exit code and the lines it wrote.
   */
  cli(run: (out: (line: string) => void) => Promise<number>): Promise<{ code: number; output: string }>;
  cleanup(): Promise<void>;
}

/**
 * Copies the program and `fixtureDir` (as services/) into a temp dir and opens its `test` stack on
 * a file backend there. The services' paths are relative, so Docker build contexts stay stable.
 * `replace` rewrites the fixtures' text (e.g. the registry's host for a local registry); `secret`
 * config values are set as Pulumi secrets; `env` is added to the environment of the project's Pulumi
 * commands (e.g. a PATH whose `ssh` reaches a test machine).
 */
export async function openProject(fixtureDir: string, config: Record<string, string> = {}, stackName: "test" | "prod" = "test",
  options: { replace?: Readonly<Record<string, string>>; secret?: Readonly<Record<string, string>>; env?: Readonly<Record<string, string>> } = {}): Promise<Project> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockerfiles-e2e-"));
  // package-lock.json too: scripts/setup.sh run in the copy then finds node_modules up to date, and never
  // runs `npm ci` through the node_modules symlink (which would empty the repository's own).
  for (const f of ["index.ts", "Pulumi.yaml", `Pulumi.${stackName}.yaml`, "package.json", "package-lock.json", "tsconfig.json"]) fs.copyFileSync(path.join(REPO_ROOT, f), path.join(dir, f));
  for (const d of ["src", "scripts"]) fs.cpSync(path.join(REPO_ROOT, d), path.join(dir, d), { recursive: true });
  await copyFixture(fixtureDir, path.join(dir, "services"), options.replace);
  fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"));
  fs.mkdirSync(path.join(dir, ".state"));
  const pulumiCommand = await PulumiCommand.get({ root: PULUMI_ROOT });
  const env = {
    PULUMI_BACKEND_URL: `file://${dir}/.state`,
    PULUMI_CONFIG_PASSPHRASE: TEST_STACK_PASSPHRASE,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_HOME,
    ...options.env,
  };
  const stack = await LocalWorkspace.createOrSelectStack({ stackName, workDir: dir }, { pulumiCommand, envVars: env });
  for (const [k, v] of Object.entries(config)) await stack.setConfig(`dockerfiles:${k}`, { value: v });
  for (const [k, v] of Object.entries(options.secret ?? {})) await stack.setConfig(`dockerfiles:${k}`, { value: v, secret: true });
  return {
    dir,
    stack,
    env,
    file: (rel) => path.join(dir, rel),
    edit(rel, change) {
      const p = path.join(dir, rel);
      fs.writeFileSync(p, change(fs.readFileSync(p, "utf8")));
    },
    git: (...args) => execFileSync("git", ["-c", "user.name=e2e", "-c", "user.email=e2e@example.invalid", ...args], { cwd: dir, encoding: "utf8" }).trim(),
    async cli(run) {
      const lines: string[] = [];
      const saved = { ...process.env };
      Object.assign(process.env, env);
      try {
        return { code: await run((l) => lines.push(l)), output: lines.join("\n") };
      } finally {
        process.env = saved;
      }
    },
    cleanup() {
      fs.rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}

/** GET on 127.0.0.1 only (the network rule of these machines). */
export async function httpGet(port: number, urlPath: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${PORTS.get(port) ?? port}${urlPath}`, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: await res.text() };
}

export function containerLabels(name: string): Record<string, string> {
  return dockerJson("inspect", "--format", "{{json .Config.Labels}}", name);
}

export function health(name: string): string {
  return docker("inspect", "--format", "{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}", name);
}
