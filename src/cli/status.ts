/**
 * `npm run status -- [stack…]` (default: test and prod): per stack and service, the deployed commit,
 * whether the repository has newer changes for that service, and whether the live containers drift
 * from what the stack deployed (removed or replaced by hand, a different healthcheck or inputs).
 */
import { execFileSync } from "node:child_process";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { LABELS } from "../environment/applyStack";
import { ContainerPlan, DeploymentPlan } from "../environment/plan";
import { planDeployment } from "../pipeline";
import { lastChange, resolveRevision } from "../read/gitRevision";
import { openServiceSource } from "../read/serviceSource";
import { readSettings } from "../settings";
import { parseDuration } from "../validate/durations";
import { stackConfigFromFile } from "../read/stackFile";
import { explainPulumiError } from "./pulumiErrors";

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

export function inspect(name: string, host: string | undefined): LiveContainer | undefined {
  try {
    const out = execFileSync("docker", ["inspect", "--type", "container", name], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      env: host ? { ...process.env, DOCKER_HOST: host } : process.env,
    });
    return (JSON.parse(out) as LiveContainer[])[0];
  } catch {
    return undefined;
  }
}

export async function status(argv: string[], root: string, out: (line: string) => void): Promise<number> {
  const stacks = argv.length > 0 ? argv : ["test", "prod"];
  let drifted = false;
  for (const stackName of stacks) {
    let outputs: Record<string, { revision?: string; lastChange?: string }>;
    try {
      const stack = await LocalWorkspace.selectStack({ stackName, workDir: root });
      outputs = ((await stack.outputs()).services?.value ?? {}) as typeof outputs;
    } catch (e) {
      out(`${stackName}: ${explainPulumiError(e, stackName)}`);
      continue;
    }
    if (Object.keys(outputs).length === 0) {
      out(`${stackName}: the stack exists but runs no service (never deployed, destroyed, or every folder excluded by 'services')`);
      continue;
    }
    const { settings, problems } = readSettings(stackName, stackConfigFromFile(root, stackName));
    if (!settings) {
      out(`${stackName}: ${problems.map((p) => p.message).join("; ")}`);
      drifted = true;
      continue;
    }
    const head = await resolveRevision(root, "HEAD");
    // Services deployed together share a revision: read and plan each revision once.
    const plans = new Map<string, Promise<DeploymentPlan>>();
    const planAt = (revision: string): Promise<DeploymentPlan> => {
      if (!plans.has(revision)) {
        const at = { ...settings, servicesRef: revision };
        plans.set(revision, openServiceSource(root, at, { checkout: false }).then((source) => planDeployment({ settings: at, view: source.view, environment: (n) => process.env[n] })));
      }
      return plans.get(revision)!;
    };
    for (const [folder, deployed] of Object.entries(outputs).sort()) {
      const dir = `${settings.servicesDir}/${folder}`;
      const newest = await lastChange(root, head.sha, dir);
      const repo = deployed.lastChange === undefined ? "unknown" : newest === deployed.lastChange ? "up to date" : `newer changes (${newest?.slice(0, 12) ?? "folder removed"})`;
      let containers = "unknown (no revision recorded)";
      if (deployed.revision) {
        const service = (await planAt(deployed.revision)).services.find((s) => s.folder === folder);
        const drift = (service?.containers ?? []).flatMap((c) => containerDrift(c, inspect(c.name, service?.host)).map((d) => `${c.service} ${d}`));
        containers = drift.length === 0 ? "in sync" : drift.join("; ");
        drifted ||= drift.length > 0;
      }
      out(`${stackName} ${folder}: deployed ${deployed.revision?.slice(0, 12) ?? "?"} (last change ${deployed.lastChange?.slice(0, 12) ?? "?"}); repository: ${repo}; containers: ${containers}`);
    }
  }
  return drifted ? 1 : 0;
}

if (require.main === module) {
  void status(process.argv.slice(2), process.cwd(), (l) => console.log(l)).then((code) => (process.exitCode = code));
}
