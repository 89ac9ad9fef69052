/**
 * `npm run recover -- <stack> [--yes] [--clear-lock]`: puts a stack back on its feet after a deploy was
 * interrupted (the `pulumi` process killed, the laptop closed, dockerd crashed mid-way), so that the next
 * `pulumi up` converges instead of failing on a lock or on names its last run already took:
 *  1. pending creates (the engine asked Docker for an object and never heard back) are cleared from the
 *     state, after which: a container the interrupted run made (it carries the inputs it was created
 *     with) is removed, since the next `up` creates it again (a container replaced with delete-before-
 *     replace keeps its old entry in the state, so importing the new one would leave two claims on one
 *     name); a network it made is imported; a volume is left as it is (the next `up`'s create finds it,
 *     with its data); a container of that name that is not the run's is reported, never removed;
 *  2. docker-proxy processes left by a crashed dockerd on this machine hold their host ports (the next
 *     start fails with "port is already allocated"): listed, then ended;
 *  3. a lock left by a dead `pulumi` on this machine is cleared (`pulumi cancel`); one held by a live
 *     process is refused; one from another machine is cleared only when asked (`--clear-lock`, or "y");
 *  4. `pulumi refresh` then reads every resource back from Docker.
 * First of all, a state file a killed `pulumi` left empty or cut short is put back from Pulumi's copy of
 * the state before that write, and its metadata (`.attrs`) left so is set aside (asked; the broken
 * files are kept).
 * It deploys nothing: the next step is `pulumi preview --diff`, then `pulumi up`.
 */
import { execFileSync, spawn } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";
import { Stack } from "@pulumi/pulumi/automation";
import { LABELS } from "../environment/applyStack";
import { dockerKindOf, inputsHashOf } from "../read/dockerResources";
import { StackBackend } from "../state/backend";
import { brokenCheckpoint, repairCheckpoint } from "../state/checkpointRepair";
import { openStackWorkspace, PROJECT, stackSettingsAndBackend } from "../state/stackWorkspace";
import { confirmed } from "./confirm";
import { explainPulumiError } from "./pulumiErrors";

const USAGE = "usage: npm run recover -- <stack> [--yes] [--clear-lock]";

/** An object the engine asked Docker to create, with no answer recorded. */
export interface PendingCreate {
  readonly urn: string;
  readonly kind: "container" | "network" | "volume" | "other";
  readonly name?: string;
  /** The Docker host of its provider; undefined for the local engine. */
  readonly host?: string;
  /** For a container: the inputs hash label it was created with. */
  readonly inputsHash?: string;
}

interface StateResource {
  readonly urn: string;
  readonly type: string;
  readonly id?: string;
  readonly provider?: string;
  readonly inputs?: Record<string, unknown>;
}
interface Deployment {
  readonly resources?: readonly StateResource[];
  readonly pending_operations?: readonly { readonly type: string; readonly resource: StateResource }[];
}

/** The pending creates of a deployment (`pulumi stack export`), with the Docker host of each. */
export function pendingCreates(deployment: Deployment): PendingCreate[] {
  const providers = new Map((deployment.resources ?? []).filter((r) => r.type.startsWith("pulumi:providers:")).map((r) => [`${r.urn}::${r.id}`, r]));
  return (deployment.pending_operations ?? []).filter((o) => o.type === "creating").map(({ resource: r }) => {
    const host = providers.get(r.provider ?? "")?.inputs?.host;
    return {
      urn: r.urn,
      kind: dockerKindOf(r.type) ?? "other",
      name: typeof r.inputs?.name === "string" ? r.inputs.name : undefined,
      host: typeof host === "string" && host !== "" ? host : undefined,
      inputsHash: inputsHashOf(r.inputs?.labels),
    };
  });
}

/** What Docker has under a pending create's name: its id and, for a container, its inputs label. */
function lookUp(p: PendingCreate): { id: string; inputsHash?: string } | undefined {
  if (p.kind === "other" || !p.name) return undefined;
  try {
    const format = p.kind === "volume" ? "{{.Name}}" : p.kind === "container" ? `{{.Id}} {{index .Config.Labels "${LABELS.inputs}"}}` : "{{.Id}}";
    const out = execFileSync("docker", [p.kind, "inspect", "--format", format, p.name], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], env: p.host ? { ...process.env, DOCKER_HOST: p.host } : process.env });
    const [id, inputsHash] = out.trim().split(" ");
    return { id, inputsHash };
  } catch {
    return undefined;
  }
}

export interface RecoveryPlan {
  readonly imports: readonly { readonly urn: string; readonly id: string; readonly what: string }[];
  /** Containers the interrupted run made, to remove: the next up makes them again. */
  readonly removals: readonly { readonly id: string; readonly host?: string; readonly what: string }[];
  readonly cleared: readonly { readonly urn: string; readonly why: string }[];
}

/** What to do with each pending create, saying why; the pending creates themselves are all cleared. */
export function planPending(pending: readonly PendingCreate[], find: (p: PendingCreate) => { id: string; inputsHash?: string } | undefined = lookUp): RecoveryPlan {
  const plan = { imports: [] as RecoveryPlan["imports"][number][], removals: [] as RecoveryPlan["removals"][number][], cleared: [] as RecoveryPlan["cleared"][number][] };
  for (const p of pending) {
    const live = find(p);
    const what = `${p.kind} ${p.name ?? p.urn.split("::").pop()}${p.host ? ` on ${p.host}` : ""}`;
    if (p.kind === "other") plan.cleared.push({ urn: p.urn, why: `${what}: runs again at the next up` });
    else if (!live) plan.cleared.push({ urn: p.urn, why: `${what}: Docker never made it; created at the next up` });
    else if (p.kind === "volume") plan.cleared.push({ urn: p.urn, why: `${what}: Docker made it; the next up finds it as it is, data included` });
    else if (p.kind === "network") plan.imports.push({ urn: p.urn, id: live.id, what });
    else if (live.inputsHash === p.inputsHash) {
      plan.cleared.push({ urn: p.urn, why: `${what}: made by the interrupted run (${live.id.slice(0, 12)}); removed, the next up creates it again` });
      plan.removals.push({ id: live.id, host: p.host, what });
    } else {
      plan.cleared.push({ urn: p.urn, why: `${what}: a container of that name exists but was not made by this deploy (inputs ${live.inputsHash || "none"}); left alone, the next up will stop on it and say what to do` });
    }
  }
  return plan;
}

/** A docker-proxy whose dockerd is gone: it holds a host port nobody will release. */
export interface OrphanProxy {
  readonly pid: number;
  readonly port: string;
}

/** docker-proxy processes on this machine whose parent is not a dockerd (left by a crashed one). */
export function orphanProxies(): OrphanProxy[] {
  let listed: string;
  try {
    listed = execFileSync("ps", ["-C", "docker-proxy", "-o", "pid=,ppid=,args="], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  } catch {
    return [];
  }
  const parentIsDockerd = (ppid: string): boolean => {
    try {
      return execFileSync("ps", ["-o", "comm=", "-p", ppid], { encoding: "utf8" }).trim() === "dockerd";
    } catch {
      return false;
    }
  };
  return listed.split("\n").map((l) => l.trim().split(/\s+/)).filter((f) => f.length > 2 && !parentIsDockerd(f[1])).map(([pid, , ...args]) => {
    const opt = (name: string): string => args[args.indexOf(name) + 1] ?? "?";
    return { pid: Number(pid), port: `${opt("-host-ip")}:${opt("-host-port")}` };
  });
}

/** A stack lock as Pulumi names it in its refusal: `created by root@vm (pid 20937) at 2026-…`. */
export interface StackLock {
  readonly holder: string;
  readonly machine: string;
  readonly pid: number;
  readonly since: string;
}

export function parseLock(message: string): StackLock | undefined {
  const m = /created by (\S+?)@(\S+) \(pid (\d+)\) at (\S+)/.exec(message);
  return m ? { holder: `${m[1]}@${m[2]}`, machine: m[2], pid: Number(m[3]), since: m[4] } : undefined;
}

/** "running" (a live process here holds it), "stale" (its process here is gone) or "elsewhere". */
export function lockVerdict(lock: StackLock, hostname = os.hostname(), alive: (pid: number) => boolean = processAlive): "running" | "stale" | "elsewhere" {
  if (lock.machine !== hostname) return "elsewhere";
  return alive(lock.pid) ? "running" : "stale";
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Runs the stack's `pulumi` with the user's environment on the stack's backend; its output goes to `progress`. */
function pulumi(stack: Stack, root: string, args: string[], progress: (text: string) => void): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, ...stack.workspace.envVars };
    const child = spawn(stack.workspace.pulumiCommand.command, [...args, "--stack", stack.name, "--non-interactive"], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const take = (d: Buffer): void => {
      output += d.toString();
      progress(d.toString());
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    child.once("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

function refreshArgs(plan: RecoveryPlan): string[] {
  const imports = plan.imports.flatMap((i) => [`--import-pending-creates=${i.urn}`, `--import-pending-creates=${i.id}`]);
  return ["refresh", "--yes", "--skip-preview", ...imports, ...(plan.cleared.length > 0 ? ["--clear-pending-creates"] : [])];
}

function removeContainers(plan: RecoveryPlan): void {
  for (const r of plan.removals) execFileSync("docker", ["rm", "-f", r.id], { stdio: "ignore", env: r.host ? { ...process.env, DOCKER_HOST: r.host } : process.env });
}

function describe(plan: RecoveryPlan, proxies: readonly OrphanProxy[], out: (line: string) => void): void {
  if (plan.imports.length + plan.cleared.length === 0) out("recover: no operation was left pending.");
  for (const i of plan.imports) out(`recover: pending create of ${i.what}: Docker made it; imported as ${i.id.slice(0, 12)}`);
  for (const c of plan.cleared) out(`recover: pending create of ${c.why}`);
  for (const p of proxies) out(`recover: docker-proxy pid ${p.pid} holds ${p.port} for a dockerd that is gone; it is ended so that the container can publish the port again`);
}

/** Clears the lock when that is safe or allowed; otherwise why not. */
async function settleLock(stack: Stack, root: string, lock: StackLock, mayClear: () => Promise<boolean>, out: (line: string) => void, progress: (text: string) => void): Promise<string | undefined> {
  const verdict = lockVerdict(lock);
  const who = `${lock.holder} (pid ${lock.pid}) since ${lock.since}`;
  if (verdict === "running") return `the stack is locked by ${who}, and that process is running: an update is under way. Wait for it.`;
  if (verdict === "elsewhere") {
    out(`recover: the stack is locked by ${who}, another machine. Check with whoever deploys from ${lock.machine} that no pulumi runs there.`);
    if (!(await mayClear())) return `run again with --clear-lock once you know no update runs on ${lock.machine}`;
  } else out(`recover: the stack is locked by ${who}, a process of this machine that no longer runs: the lock is stale.`);
  const cancel = await pulumi(stack, root, ["cancel", "--yes"], progress);
  return cancel.code === 0 ? undefined : `pulumi cancel failed:\n${cancel.output.trim()}`;
}

export async function recover(argv: string[], root: string, out: (line: string) => void, progress: (text: string) => void = (t) => process.stdout.write(t), ask?: (question: string) => Promise<boolean>): Promise<number> {
  const args = argv.filter((a) => !a.startsWith("--"));
  if (args.length !== 1) {
    out(USAGE);
    return 2;
  }
  const [stackName] = args;
  // Before the stack is opened: selecting it already reads its state (and its metadata).
  const resolved = stackSettingsAndBackend(root, stackName);
  if (typeof resolved !== "string" && !(await repairBrokenState(resolved.backend, stackName, argv, out, ask))) return 1;
  const workspace = typeof resolved === "string" ? resolved : await openStackWorkspace(root, stackName, { resolved });
  if (typeof workspace === "string") {
    out(`recover: ${workspace}`);
    return 1;
  }
  const { stack } = workspace;
  let deployment: Deployment;
  try {
    deployment = (await stack.exportStack()).deployment as Deployment;
  } catch (e) {
    out(`recover: ${explainPulumiError(e, stackName, workspace.backend.url)}`);
    return 1;
  }
  const plan = planPending(pendingCreates(deployment));
  const proxies = orphanProxies();
  describe(plan, proxies, out);
  out("recover: then pulumi refresh reads every resource back from Docker; nothing is deployed.");
  const refusal = await confirmed(`Recover ${stackName}? [y/N] `, argv.includes("--yes"), ask);
  if (refusal) {
    out(`recover: ${refusal}`);
    return 1;
  }
  for (const p of proxies) process.kill(p.pid, "SIGTERM");
  let refresh = await pulumi(stack, root, refreshArgs(plan), progress);
  const lock = refresh.code !== 0 && /currently locked/.test(refresh.output) ? parseLock(refresh.output) : undefined;
  if (lock) {
    const mayClear = async (): Promise<boolean> => argv.includes("--clear-lock") || (!argv.includes("--yes") && (await confirmed(`Clear the lock of ${lock.holder}? [y/N] `, false, ask)) === undefined);
    const stuck = await settleLock(stack, root, lock, mayClear, out, progress);
    if (stuck) {
      out(`recover: ${stuck}`);
      return 1;
    }
    refresh = await pulumi(stack, root, refreshArgs(plan), progress);
  }
  if (refresh.code !== 0) {
    out(`recover: pulumi refresh failed:\n${explainPulumiError(new Error(refresh.output), stackName)}`);
    return 1;
  }
  removeContainers(plan);
  out(`recover: ${stackName} is consistent with Docker again. Next: pulumi preview --diff --stack ${stackName}, then pulumi up --stack ${stackName}.`);
  return 0;
}

/**
 * A state file a killed `pulumi` left empty or cut short is put back from the state before that write
 * (asked first; the broken file is kept). False when the user declined.
 */
async function repairBrokenState(backend: StackBackend, stackName: string, argv: string[], out: (line: string) => void, ask?: (question: string) => Promise<boolean>): Promise<boolean> {
  const repair = backend.location.kind === "file" ? brokenCheckpoint(backend.location.directory, PROJECT, stackName) : undefined;
  if (!repair) return true;
  const { state, metadata } = repair;
  if (state) {
    out(`recover: the state file ${state.broken} is empty or cut short (a pulumi killed while writing it): every pulumi command fails to load it.`);
    out(`recover: it can be put back from ${state.from}, the state before that write; the refresh below then reads every resource back from Docker.`);
  }
  if (metadata) {
    out(`recover: the state's metadata ${metadata} is empty or cut short (a pulumi killed while writing it): every pulumi command fails to load the state.`);
    if (!state) out("recover: the state file itself reads (the state before that write); without the metadata Pulumi reads it, and writes the metadata again at its next write.");
  }
  const question = state ? `Put the state of ${stackName} back from ${path.basename(state.from)}? [y/N] ` : `Set the metadata of ${stackName}'s state aside? [y/N] `;
  const refusal = await confirmed(question, argv.includes("--yes"), ask);
  if (refusal) {
    out(`recover: ${refusal}`);
    return false;
  }
  const kept = repairCheckpoint(repair);
  if (state) out(`recover: state put back from ${state.from}; the broken file is kept as ${kept.state}`);
  if (metadata) out(`recover: the broken metadata is kept as ${kept.metadata}`);
  return true;
}

if (require.main === module) {
  void recover(process.argv.slice(2), process.cwd(), (l) => console.log(l)).then((code) => (process.exitCode = code));
}
