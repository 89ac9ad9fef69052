/**
 * `npm run status -- [stack…]` (default: test and prod): per stack, where its state lives, its last
 * update (who, when) and any lock left on it (what to check, then the command that clears it); per
 * service, the deployed commit, whether the repository has newer changes for that service, and
 * whether the live containers drift from what the stack deployed (removed or replaced by hand, a
 * different healthcheck or inputs), and on stacks with snapshots, those kept per data volume and
 * their disk use.
 */
import { execFileSync } from "node:child_process";
import { SNAPSHOT_USAGE } from "../declare/volumeSnapshots";
import { LABELS } from "../environment/applyStack";
import { ContainerPlan } from "../environment/plan";
import { lastChange, resolveRevision } from "../read/gitRevision";
import { SnapshotSettings } from "../settings";
import { describeBackend, retryTruncatedReads } from "../state/backend";
import { lockAdvice, readLocks } from "../state/locks";
import { PROJECT, StackWorkspace } from "../state/stackWorkspace";
import { describeLastUpdate, lastUpdate } from "../state/update";
import { parseDuration } from "../validate/durations";
import { DeployedService, DeployedStack, openDeployed } from "./deployed";

/** The part of `docker inspect` that drift is judged on. */
export interface LiveContainer {
  readonly Config: {
    readonly Labels?: Record<string, string> | null;
    readonly Healthcheck?: { Test?: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; Retries?: number } | null;
  };
  readonly State: { readonly Status: string; readonly Health?: { readonly Status: string } };
}

/** What differs between a planned container and the live one; empty when in sync. */
export function containerDrift(expected: ContainerPlan, live: LiveContainer | undefined): string[] {
  if (!live) return ["removed"];
  const drift: string[] = [];
  const labels = live.Config.Labels ?? {};
  if (labels[LABELS.inputs] === undefined) drift.push("replaced by something this program did not deploy (no inputs label)");
  else if (labels[LABELS.inputs] !== expected.inputsHash) drift.push(`runs other inputs than the stack says (label ${labels[LABELS.inputs]}, expected ${expected.inputsHash})`);
  const hc = live.Config.Healthcheck ?? undefined;
  const want = expected.healthcheck;
  if (want) {
    const ns = (d: string): number => (parseDuration(d) ?? 0) * 1_000_000;
    const same =
      hc !== undefined &&
      JSON.stringify(hc.Test ?? []) === JSON.stringify(want.tests) &&
      (hc.Interval ?? 0) === ns(want.interval) &&
      (hc.Timeout ?? 0) === ns(want.timeout) &&
      (hc.StartPeriod ?? 0) === ns(want.startPeriod) &&
      (hc.Retries ?? 0) === want.retries;
    if (!same) drift.push("healthcheck differs from the stack's");
  }
  if (live.State.Status !== "running") drift.push(`is ${live.State.Status}`);
  else if (live.State.Health && live.State.Health.Status !== "healthy") drift.push(`is ${live.State.Health.Status}`);
  return drift;
}

/** What a docker command prints on the deploying machine or `host`; undefined when it fails. */
function dockerOutput(args: string[], host: string | undefined): string | undefined {
  try {
    return execFileSync("docker", args, {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      env: host ? { ...process.env, DOCKER_HOST: host } : process.env,
    });
  } catch {
    return undefined;
  }
}

export function inspect(name: string, host: string | undefined): LiveContainer | undefined {
  const out = dockerOutput(["inspect", "--type", "container", name], host);
  return out === undefined ? undefined : (JSON.parse(out) as LiveContainer[])[0];
}

/**
 * Containers a start-first replacement renamed `<name>-old-<id>` and did not remove (its new container
 * never became healthy, or the update was interrupted): they still serve until an up succeeds.
 */
export function replacedLeftovers(name: string, host: string | undefined): string[] {
  const out = dockerOutput(["ps", "--all", "--filter", `name=^/${name}-old-[0-9a-f]{12}$`, "--format", "{{.Names}} ({{.State}})"], host) ?? "";
  return out.split("\n").filter((l) => l !== "").sort();
}

export async function status(argv: string[], root: string, out: (line: string) => void): Promise<number> {
  const stacks = argv.length > 0 ? argv : ["test", "prod"];
  let drifted = false;
  for (const stackName of stacks) {
    const deployed = await openDeployed(root, stackName);
    if (typeof deployed === "string") {
      out(`${stackName}: ${deployed}`);
      continue;
    }
    for (const line of await stateLines(deployed.workspace, new Date())) out(`${stackName}: ${line}`);
    if (Object.keys(deployed.services).length === 0) {
      out(`${stackName}: the stack exists but runs no service (never deployed, destroyed, or every folder excluded by 'services')`);
      continue;
    }
    const head = await resolveRevision(root, "HEAD");
    const hosts = new Set<string | undefined>();
    for (const [folder, service] of Object.entries(deployed.services).sort()) {
      const { line, drift, host } = await serviceStatus(root, head.sha, deployed, folder, service);
      out(`${stackName} ${line}`);
      drifted ||= drift;
      hosts.add(host);
    }
    if (deployed.settings.snapshots) for (const host of hosts) out(`${stackName} ${snapshotUsage(deployed.settings.snapshots, host)}`);
  }
  return drifted ? 1 : 0;
}

/** Where the stack's state is, its last update, and any lock left on it. */
export async function stateLines(workspace: StackWorkspace, now: Date): Promise<string[]> {
  const { backend, stack } = workspace;
  const lines = [describeBackend(backend), ...backend.problems.map((p) => `${p.severity}: ${p.message}`)];
  try {
    lines.push(describeLastUpdate(lastUpdate(await retryTruncatedReads(() => stack.history(1))), now));
  } catch (e) {
    lines.push(`last update: the history cannot be read (${String(e instanceof Error ? e.message : e).split("\n").find((l) => /error/i.test(l)) ?? "see pulumi stack history"})`);
  }
  try {
    lines.push(...lockAdvice(backend, await readLocks(backend, PROJECT), now));
  } catch (e) {
    lines.push(`locks: cannot be read from ${backend.url} (${e instanceof Error ? e.message : String(e)})`);
  }
  return lines;
}

async function serviceStatus(root: string, head: string, deployed: DeployedStack, folder: string, service: DeployedService): Promise<{ line: string; drift: boolean; host?: string }> {
  const dir = `${deployed.settings.servicesDir}/${folder}`;
  const newest = await lastChange(root, head, dir);
  const repo = service.lastChange === undefined ? "unknown" : newest === service.lastChange ? "up to date" : `newer changes (${newest?.slice(0, 12) ?? "folder removed"})`;
  let containers = "unknown (no revision recorded)";
  let drift: string[] = [];
  let host: string | undefined;
  if (service.revision) {
    const plan = (await deployed.planAt(service.revision)).services.find((s) => s.folder === folder);
    host = plan?.host;
    drift = (plan?.containers ?? []).flatMap((c) => [
      ...containerDrift(c, inspect(c.name, host)).map((d) => `${c.service} ${d}`),
      // Only a start-first replacement renames the container it replaces.
      ...(c.replace.order === "start-first" ? replacedLeftovers(c.name, host) : []).map((old) => `${c.service}: ${old} is left from a start-first replacement that did not finish; the next up that succeeds removes it`),
    ]);
    containers = drift.length === 0 ? "in sync" : drift.join("; ");
  }
  const where = host ? ` on ${host}` : "";
  return { line: `${folder}${where}: deployed ${service.revision?.slice(0, 12) ?? "?"} (last change ${service.lastChange?.slice(0, 12) ?? "?"}); repository: ${repo}; containers: ${containers}`, drift: drift.length > 0, host };
}

/** One line: the snapshots kept on a host, per volume, with their disk use. */
export function snapshotUsage(settings: SnapshotSettings, host: string | undefined): string {
  const where = `snapshots in ${settings.directory} on ${host ?? "the local engine"}`;
  try {
    const listed = execFileSync("bash", ["-c", `set -euo pipefail\n${SNAPSHOT_USAGE}`], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...(host ? { DOCKER_HOST: host } : {}), DIRECTORY: settings.directory, IMAGE: settings.image },
    });
    const volumes = listed.split("\n").filter((l) => l.trim() !== "").map((l) => l.split(" "));
    if (volumes.length === 0) return `${where}: none yet`;
    return `${where}: ${volumes.map(([volume, count, kib]) => `${volume} ${count} (${formatKib(Number(kib))})`).join(", ")}`;
  } catch (e) {
    return `${where}: cannot be read (${String((e as { stderr?: string }).stderr ?? e).trim().split("\n").pop()})`;
  }
}

function formatKib(kib: number): string {
  return kib >= 1024 * 1024 ? `${(kib / 1024 / 1024).toFixed(1)} GiB` : kib >= 1024 ? `${(kib / 1024).toFixed(1)} MiB` : `${kib} KiB`;
}

if (require.main === module) {
  void status(process.argv.slice(2), process.cwd(), (l) => console.log(l)).then((code) => (process.exitCode = code));
}
