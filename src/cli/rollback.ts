/**
 * `npm run rollback -- <stack> <revision> [--yes]`: deploys an earlier (or later) git revision of the
 * services on a stack. Shows the preview first (which services change and how), refuses when a data
 * volume would be replaced or deleted, asks before applying (or needs --yes when not interactive).
 * The same as `pulumi config set servicesRef <commit>` + `pulumi up`, with the guards.
 */
import { EngineEvent, OpType, Stack } from "@pulumi/pulumi/automation";
import { unannouncedChanges } from "../plan/announced";
import { textReport } from "../plan/report";
import { resolveRevision, RevisionError } from "../read/gitRevision";
import { retryTruncatedReads } from "../state/backend";
import { deployer, updateMessage } from "../state/deployer";
import { openStackWorkspace, PROJECT } from "../state/stackWorkspace";
import { confirmed } from "./confirm";
import { DESTRUCTIVE, PlannedChange, plannedChanges } from "./engineChanges";
import { computePlan } from "./plan";
import { explainPulumiError } from "./pulumiErrors";

const VOLUME = "docker:index/volume:Volume";

export { plannedChanges };
export type { PlannedChange };
/** Volumes whose data a deployment would lose. */
export function volumesAtRisk(changes: readonly PlannedChange[]): PlannedChange[] {
  return changes.filter((c) => c.type === VOLUME && DESTRUCTIVE.includes(c.op));
}

/**
 * Protected volumes (prod) the engine refused to replace or delete while previewing: it stops the
 * preview there, so they never appear as planned changes.
 */
export function protectedVolumesRefused(engineError: string): PlannedChange[] {
  const refused = [...engineError.matchAll(/unable to (replace|delete) resource "(urn:[^"]+)"/g)];
  return refused
    .filter(([, , urn]) => urn.includes(`$${VOLUME}::`))
    .map(([, op, urn]) => ({ name: urn.slice(urn.lastIndexOf("::") + 2), type: VOLUME, op: op as OpType }));
}

/** Why a rollback to `ref` is refused: the volumes it would lose. */
function volumeRefusal(ref: string, sha: string, risky: readonly PlannedChange[]): string {
  return `rollback: refused: going to ${ref === sha ? sha.slice(0, 12) : `${ref} (${sha.slice(0, 12)})`} would ${risky.map((v) => `${v.op} the volume ${v.name}`).join(", ")}; a rollback never touches data volumes. ` +
    `Nothing was changed. If a volume's name, driver or labels changed between the two revisions, deploy a revision that keeps them.`;
}

/** One line per service folder: what changes in it. */
export function summariseByService(changes: readonly PlannedChange[]): string[] {
  const byService = new Map<string, string[]>();
  for (const c of changes) {
    const folder = c.name.includes("/") ? c.name.split("/")[0] : c.name;
    const list = byService.get(folder) ?? [];
    list.push(`${c.name.slice(folder.length + 1) || c.type.split(":").pop()} (${DESTRUCTIVE.includes(c.op) && c.op !== "delete" ? "replace" : c.op})`);
    byService.set(folder, list);
  }
  return [...byService.entries()].sort().map(([folder, list]) => `  ${folder}: ${list.join(", ")}`);
}

/** Sets the stack's servicesRef to `sha`, with what undoes it; or why the stack cannot be opened. */
async function pinRevision(stackName: string, root: string, sha: string): Promise<{ stack: Stack; previous?: string; restore: () => Promise<void> } | string> {
  const key = `${PROJECT}:servicesRef`;
  const workspace = await openStackWorkspace(root, stackName);
  if (typeof workspace === "string") return workspace;
  try {
    const { stack } = workspace;
    const previous = (await stack.getAllConfig())[key]?.value;
    await stack.setConfig(key, { value: sha });
    const restore = async (): Promise<void> => {
      if (previous === undefined || previous === "") await stack.removeConfig(key);
      else await stack.setConfig(key, { value: previous });
    };
    return { stack, previous, restore };
  } catch (e) {
    return explainPulumiError(e, stackName);
  }
}

function retried(out: (line: string) => void): (attempt: number) => void {
  return (attempt) => out(`rollback: the state backend cut a read short (unexpected EOF, attempt ${attempt}); running it again`);
}

/** The commit a revision names, or undefined after saying why there is none. */
async function commitOf(root: string, ref: string, out: (line: string) => void): Promise<string | undefined> {
  try {
    return (await resolveRevision(root, ref)).sha;
  } catch (e) {
    if (!(e instanceof RevisionError)) throw e;
    out(`rollback: ${e.message}`);
    return undefined;
  }
}

/** The plan a person reads (what changes in each service, and why), then the services that change. */
async function showPlan(stack: Stack, root: string, stackName: string, changes: readonly PlannedChange[], out: (line: string) => void): Promise<void> {
  const computed = await computePlan(stack, root, stackName);
  if (typeof computed === "string") out(`rollback: the plan cannot be shown: ${computed}`);
  else textReport(computed.plan, unannouncedChanges(computed.plan, changes, { firstRecord: computed.firstRecord })).forEach((l) => out(l));
  out(`rollback: services that change:\n${summariseByService(changes).join("\n")}`);
}

/**
 * `out` receives the command's own lines; `progress` the engine's preview and update output (the
 * terminal by default).
 */
export async function rollback(argv: string[], root: string, out: (line: string) => void, progress: (text: string) => void = (t) => process.stdout.write(t)): Promise<number> {
  const args = argv.filter((a) => a !== "--yes");
  const yes = argv.includes("--yes");
  if (args.length !== 2) {
    out("usage: npm run rollback -- <stack> <revision> [--yes]   (revision: a commit, tag or branch)");
    return 2;
  }
  const [stackName, ref] = args;
  const sha = await commitOf(root, ref, out);
  if (sha === undefined) return 1;
  const pinned = await pinRevision(stackName, root, sha);
  if (typeof pinned === "string") {
    out(`rollback: ${pinned}; nothing was changed.`);
    return 1;
  }
  const { stack, previous, restore } = pinned;
  out(`rollback: previewing ${stackName} at ${ref} (${sha.slice(0, 12)}), before: ${previous || "working tree"}`);
  const events: EngineEvent[] = [];
  try {
    await retryTruncatedReads(() => {
      events.length = 0;
      return stack.preview({ diff: true, onOutput: progress, onEvent: (e) => events.push(e) });
    }, retried(out));
  } catch (e) {
    await restore();
    const refused = protectedVolumesRefused(e instanceof Error ? e.message : String(e));
    if (refused.length > 0) out(volumeRefusal(ref, sha, refused));
    else out(`rollback: the preview failed; nothing was changed and servicesRef is back to ${previous || "the working tree"}.\n${explainPulumiError(e, stackName)}`);
    return 1;
  }
  const changes = plannedChanges(events);
  const risky = volumesAtRisk(changes);
  if (risky.length > 0) {
    await restore();
    out(volumeRefusal(ref, sha, risky));
    return 1;
  }
  if (changes.length === 0) {
    out(`rollback: ${stackName} already runs what ${ref} describes; servicesRef now pins ${sha.slice(0, 12)}`);
    return 0;
  }
  await showPlan(stack, root, stackName, changes, out);
  const refusal = await confirmed(`Apply this to ${stackName}? [y/N] `, yes);
  if (refusal) {
    await restore();
    out(`rollback: ${refusal}.`);
    return 1;
  }
  try {
    const message = updateMessage(`rollback to ${sha.slice(0, 12)}`, deployer(root));
    await retryTruncatedReads(() => stack.up({ onOutput: progress, message }), retried(out));
  } catch (e) {
    out(`rollback: pulumi up failed; servicesRef stays at ${sha.slice(0, 12)} so that you can fix and retry (pulumi up), or roll back elsewhere.\n${explainPulumiError(e, stackName)}`);
    return 1;
  }
  out(`rollback: ${stackName} now runs ${ref} (${sha.slice(0, 12)})`);
  return 0;
}

if (require.main === module) {
  void rollback(process.argv.slice(2), process.cwd(), (l) => console.log(l)).then((code) => (process.exitCode = code));
}
