/**
 * `npm run restore -- <stack> <folder> <volume> [snapshot] [--yes]`: puts a snapshot of a data volume
 * back (the newest when none is named). The containers that mount the volume are stopped, the
 * volume's current content is saved as one more snapshot (`…-before-restore`), the snapshot is
 * extracted into the emptied volume, and the containers are started again and waited for (health).
 */
import { execFileSync } from "node:child_process";
import { inDependencyOrder } from "../declare/serviceDeployment";
import { LIST_SNAPSHOTS, RESTORE_SNAPSHOT, TAKE_SNAPSHOT } from "../declare/volumeSnapshots";
import { ContainerPlan, ServicePlan } from "../environment/plan";
import { SnapshotSettings } from "../settings";
import { confirmed } from "./confirm";
import { openDeployed } from "./deployed";

const USAGE = "usage: npm run restore -- <stack> <folder> <volume> [snapshot] [--yes]   (volume: its compose key or Docker name)";

/** What a restore works on, found from the stack's deployed revision. */
interface RestoreTarget {
  readonly volume: string;
  readonly containers: readonly ContainerPlan[];
  readonly host?: string;
  readonly settings: SnapshotSettings;
}

function shell(script: string, target: RestoreTarget, env: Record<string, string> = {}): string {
  return execFileSync("bash", ["-c", `set -euo pipefail\n${TAKE_SNAPSHOT}\n${RESTORE_SNAPSHOT}\n${script}`], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...dockerEnv(target),
      VOLUME: target.volume,
      DIRECTORY: target.settings.directory,
      IMAGE: target.settings.image,
      KEEP: "0",
      ...env,
    },
  });
}

function dockerEnv(target: RestoreTarget): NodeJS.ProcessEnv {
  return { ...process.env, ...(target.host ? { DOCKER_HOST: target.host } : {}) };
}

function failure(e: unknown): string {
  const err = e as { stderr?: string; message?: string };
  return (err.stderr || err.message || String(e)).trim().split("\n").slice(-5).join("\n");
}

/** The volume (by compose key or Docker name) in the deployed service, and who mounts it. */
function findTarget(service: ServicePlan, volume: string, settings: SnapshotSettings): RestoreTarget | string {
  const v = service.volumes.find((x) => x.key === volume || x.name === volume);
  if (!v) return `the service ${service.folder} has no volume '${volume}' (its volumes: ${service.volumes.map((x) => `${x.key} (${x.name})`).join(", ") || "none"})`;
  const containers = inDependencyOrder(service.containers.filter((c) => c.mounts.some((m) => m.volume?.name === v.name)));
  return { volume: v.name, containers, host: service.host, settings };
}

/** Waits until each container with a healthcheck is healthy; the first that is not, with why. */
async function waitHealthy(target: RestoreTarget): Promise<string | undefined> {
  for (const c of target.containers) {
    if (c.waitSeconds === undefined) continue;
    const deadline = Date.now() + c.waitSeconds * 1000;
    for (;;) {
      const state = execFileSync("docker", ["inspect", "--format", "{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}", c.name], {
        encoding: "utf8", env: dockerEnv(target),
      }).trim();
      if (state === "running healthy") break;
      if (state.endsWith("unhealthy") || !state.startsWith("running") || Date.now() > deadline) return `${c.name} is ${state} (docker logs ${c.name})`;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  return undefined;
}

export async function restore(argv: string[], root: string, out: (line: string) => void, ask?: (question: string) => Promise<boolean>): Promise<number> {
  const args = argv.filter((a) => a !== "--yes");
  if (args.length < 3 || args.length > 4) {
    out(USAGE);
    return 2;
  }
  const [stackName, folder, volumeArg, requested] = args;
  const deployed = await openDeployed(root, stackName);
  if (typeof deployed === "string") return fail(out, `${stackName}: ${deployed}`);
  if (!deployed.settings.snapshots) return fail(out, `the stack ${stackName} takes no snapshots (config key 'snapshots', on by default on prod)`);
  const revision = deployed.services[folder]?.revision;
  if (!revision) return fail(out, `the stack ${stackName} has not deployed the service ${folder} from a git revision (deployed: ${Object.keys(deployed.services).join(", ") || "none"})`);
  const service = (await deployed.planAt(revision)).services.find((s) => s.folder === folder);
  if (!service) return fail(out, `the service ${folder} is not in the revision ${revision.slice(0, 12)} the stack deployed`);
  const target = findTarget(service, volumeArg, deployed.settings.snapshots);
  if (typeof target === "string") return fail(out, target);

  let snapshots: string[];
  try {
    snapshots = shell(LIST_SNAPSHOTS, target).split("\n").filter((l) => l !== "");
  } catch (e) {
    return fail(out, `cannot list the snapshots of ${target.volume} in ${target.settings.directory}/${target.volume}: ${failure(e)}`);
  }
  const snapshot = requested ? snapshots.find((s) => s === requested || `${target.settings.directory}/${target.volume}/${s}` === requested) : snapshots[0];
  if (!snapshot) {
    return fail(out, requested
      ? `no snapshot '${requested}' of ${target.volume}; there are: ${snapshots.join(", ") || "none"}`
      : `no snapshot of ${target.volume} in ${target.settings.directory}/${target.volume} yet`);
  }
  const names = target.containers.map((c) => c.name);
  out(`restore: ${stackName} ${folder}: the volume ${target.volume} gets the content of ${snapshot}.`);
  out(`restore: stops ${names.join(", ") || "no container"}, saves the volume's current content as a snapshot first, then starts ${names.length > 1 ? "them" : "it"} again and waits for health.`);
  const refusal = await confirmed(`Restore ${target.volume} on ${stackName}? [y/N] `, argv.includes("--yes"), ask);
  if (refusal) return fail(out, refusal);
  return apply(target, snapshot, out);
}

async function apply(target: RestoreTarget, snapshot: string, out: (line: string) => void): Promise<number> {
  const names = target.containers.map((c) => c.name);
  try {
    if (names.length > 0) execFileSync("docker", ["stop", ...names], { stdio: ["ignore", "ignore", "pipe"], env: dockerEnv(target) });
    const saved = shell("take_snapshot", target, { WHY: "before-restore" }).trim();
    out(`restore: the content it had is saved in ${saved}`);
    shell("restore_snapshot", target, { SNAPSHOT: snapshot });
  } catch (e) {
    const started = startAll(target);
    return fail(out, `the restore of ${target.volume} failed: ${failure(e)}\n${started}`);
  }
  const started = startAll(target);
  const unhealthy = await waitHealthy(target);
  if (unhealthy) return fail(out, `${target.volume} was restored from ${snapshot}, but ${unhealthy}. ${started}`);
  out(`restore: ${target.volume} restored from ${snapshot}; ${names.join(", ") || "no container"} running${target.containers.some((c) => c.waitSeconds !== undefined) ? " and healthy" : ""}.`);
  return 0;
}

/** Starts the volume's containers again (in dependency order); says which could not start. */
function startAll(target: RestoreTarget): string {
  const failed = target.containers.filter((c) => {
    try {
      execFileSync("docker", ["start", c.name], { stdio: "ignore", env: dockerEnv(target) });
      return false;
    } catch {
      return true;
    }
  });
  return failed.length === 0 ? "" : `Could not start ${failed.map((c) => c.name).join(", ")}: docker start them by hand, or run pulumi up.`;
}

function fail(out: (line: string) => void, message: string): number {
  out(`restore: ${message}`);
  return 1;
}

if (require.main === module) {
  void restore(process.argv.slice(2), process.cwd(), (l) => console.log(l)).then((code) => (process.exitCode = code));
}
