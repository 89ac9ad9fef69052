/**
 * `npm run adopt -- <stack> [folders…] [--yes]`: takes over service folders that docker-compose runs
 * today on the stack's machines, without losing data.
 *  1. Reads what runs on each machine and maps it to what the program declares (src/adopt/match.ts);
 *     refuses, changing nothing, when something is ambiguous or in the way.
 *  2. Records every existing data volume in the stack file (`adopted`): the program then declares it
 *     under its existing name and imports it as it is (see README "Taking over from docker-compose").
 *  3. Shows the engine's preview and asks.
 *  4. One folder at a time: stops and removes its compose containers and networks, then `pulumi up`
 *     on that folder only, which creates the program's containers and waits until they are healthy.
 */
import { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { execFileSync } from "node:child_process";
import { describeAdoption, FolderAdoption, matchFolder } from "../adopt/match";
import { readInventory, Inventory } from "../adopt/inventory";
import { ServicePlan } from "../environment/plan";
import { planDeployment } from "../pipeline";
import { openServiceSource } from "../read/serviceSource";
import { StackSettings } from "../settings";
import { openStackWorkspace, PROJECT } from "../state/stackWorkspace";
import { confirmed } from "./confirm";
import { explainPulumiError } from "./pulumiErrors";

const USAGE = "usage: npm run adopt -- <stack> [folder…] [--yes]";

/** The plan as the program would deploy it with nothing adopted: the names compose would give. */
async function plannedServices(root: string, settings: StackSettings, folders: readonly string[]): Promise<{ chosen: ServicePlan[]; all: string[] } | string> {
  const fresh = { ...settings, adopted: {} };
  const source = await openServiceSource(root, fresh, { checkout: false });
  const plan = planDeployment({ settings: fresh, view: source.view, environment: (n) => process.env[n] });
  const errors = plan.problems.filter((p) => p.severity === "error");
  if (errors.length > 0) return `the service folders have problems (npm run check -- --stack ${settings.stack}):\n${errors.map((p) => `  ${p.message}`).join("\n")}`;
  const unknown = folders.filter((f) => !plan.services.some((s) => s.folder === f));
  if (unknown.length > 0) return `no service folder ${unknown.join(", ")} on stack ${settings.stack} (folders: ${plan.services.map((s) => s.folder).join(", ")})`;
  return { chosen: plan.services.filter((s) => folders.length === 0 || folders.includes(s.folder)), all: plan.services.map((s) => s.folder) };
}

function inventories(services: readonly ServicePlan[]): Map<string | undefined, Inventory> {
  const hosts = [...new Set(services.map((s) => s.host))];
  return new Map(hosts.map((h) => [h, readInventory(h)]));
}

/** Writes each kept volume into the stack file; returns what undoes it. */
async function recordVolumes(stack: Stack, adoptions: readonly FolderAdoption[]): Promise<() => Promise<void>> {
  const before = (await stack.getAllConfig())[`${PROJECT}:adopted`];
  for (const a of adoptions) {
    for (const v of a.volumes) if (v.existing) await stack.setConfig(`${PROJECT}:adopted["${a.folder}"].volumes["${v.key}"]`, { value: v.existing.name }, true);
  }
  return async () => {
    if (before === undefined) await stack.removeConfig(`${PROJECT}:adopted`);
    else await stack.setConfig(`${PROJECT}:adopted`, before);
  };
}

/** The URNs of the stack's resources and what the engine would do in all. */
async function previewUrns(stack: Stack, progress: (text: string) => void): Promise<{ urns: string[]; changes: Record<string, number> }> {
  const events: EngineEvent[] = [];
  const result = await stack.preview({ diff: true, onOutput: progress, onEvent: (e) => events.push(e) });
  const urns = [...new Set(events.flatMap((e) => (e.resourcePreEvent ? [e.resourcePreEvent.metadata.urn] : [])))];
  return { urns, changes: result.changeSummary };
}

function folderOf(urn: string): string {
  const name = urn.split("::").pop() ?? "";
  return name.split("/")[0];
}

function dockerOn(host: string | undefined, ...args: string[]): void {
  execFileSync("docker", args, { stdio: ["ignore", "ignore", "pipe"], env: host ? { ...process.env, DOCKER_HOST: host } : process.env });
}

/** Stops and removes the folder's compose containers, then its compose networks. */
function removeCompose(a: FolderAdoption): void {
  const names = a.replaced.map((r) => r.container.name);
  if (names.length > 0) {
    dockerOn(a.host, "stop", ...names);
    dockerOn(a.host, "rm", ...names);
  }
  for (const n of a.networks) dockerOn(a.host, "network", "rm", n.id);
}

/**
 * Folder after folder, an `up` targeted at that folder's resources (named `<folder>` or `<folder>/…`),
 * the folders already switched and what no folder owns (providers, external networks); other folders
 * of the stack are left for a later `up`.
 */
async function switchFolders(stack: Stack, adoptions: readonly FolderAdoption[], stackFolders: readonly string[], urns: readonly string[], out: (line: string) => void, progress: (text: string) => void): Promise<number> {
  const folders = new Set(stackFolders);
  for (const [i, a] of adoptions.entries()) {
    const done = new Set(adoptions.slice(0, i + 1).map((x) => x.folder));
    const target = urns.filter((u) => !folders.has(folderOf(u)) || done.has(folderOf(u)));
    out(`adopt: ${a.folder}: removing its compose containers${a.networks.length > 0 ? " and networks" : ""}, then pulumi up on it`);
    try {
      removeCompose(a);
    } catch (e) {
      out(`adopt: ${a.folder}: could not remove its compose containers: ${String((e as { stderr?: Buffer }).stderr ?? e).trim()}. Nothing more was changed.`);
      return 1;
    }
    try {
      await stack.up({ target, onOutput: progress });
    } catch (e) {
      out(`adopt: ${a.folder}: its compose containers are removed but the program's did not come up:\n${explainPulumiError(e, stack.name)}\n` +
        `Fix it and run pulumi up, or start compose again meanwhile (cd into the folder, docker-compose up -d: its volumes are untouched).`);
      return 1;
    }
    out(`adopt: ${a.folder}: now run by stack ${stack.name}${a.replaced.length > 0 ? ", healthy" : ""}`);
  }
  return 0;
}

export async function adopt(argv: string[], root: string, out: (line: string) => void, progress: (text: string) => void = (t) => process.stdout.write(t), ask?: (question: string) => Promise<boolean>): Promise<number> {
  const [stackName, ...folders] = argv.filter((a) => !a.startsWith("--"));
  if (!stackName) {
    out(USAGE);
    return 2;
  }
  const workspace = await openStackWorkspace(root, stackName, { create: true });
  if (typeof workspace === "string") {
    out(`adopt: ${workspace}; nothing was changed.`);
    return 1;
  }
  const { stack, settings } = workspace;
  const services = await plannedServices(root, settings, folders);
  if (typeof services === "string") {
    out(`adopt: ${services}; nothing was changed.`);
    return 1;
  }
  const byHost = inventories(services.chosen);
  const adoptions = services.chosen.map((s) => matchFolder(s, byHost.get(s.host)!, settings.adopted[s.folder]?.volumes));
  for (const a of adoptions) for (const line of describeAdoption(a)) out(line);
  if (adoptions.some((a) => a.refusals.length > 0)) {
    out("adopt: refused (see REFUSED above); nothing was changed.");
    return 1;
  }
  const undo = await recordVolumes(stack, adoptions);
  let preview: { urns: string[]; changes: Record<string, number> };
  try {
    preview = await previewUrns(stack, progress);
  } catch (e) {
    await undo();
    out(`adopt: the preview failed; nothing was changed.\n${explainPulumiError(e, stackName)}`);
    return 1;
  }
  out(`adopt: then, one folder at a time: its compose containers stopped and removed, pulumi up on it (${Object.entries(preview.changes).map(([k, n]) => `${n} ${k}`).join(", ")} in all).`);
  const refusal = await confirmed(`Adopt ${adoptions.map((a) => a.folder).join(", ")} into ${stackName}? [y/N] `, argv.includes("--yes"), ask);
  if (refusal) {
    await undo();
    out(`adopt: ${refusal}`);
    return 1;
  }
  return switchFolders(stack, adoptions, services.all, preview.urns, out, progress);
}

if (require.main === module) {
  void adopt(process.argv.slice(2), process.cwd(), (l) => console.log(l)).then((code) => (process.exitCode = code));
}
