/**
 * `npm run plan -- [test|prod] [--json|--markdown] [--no-preview]`: what a deployment of the stack
 * would change in each service folder, and why, read before deploying. Compares the record the stack
 * keeps of what it runs (its outputs) with what the checkout (or `servicesRef`) would deploy, then
 * runs the engine's preview and says loudly what the engine would touch that the plan did not
 * announce. Exit 0: nothing changes; 2: something does; 1: an error.
 */
import { randomBytes } from "node:crypto";
import { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { keyedHash, recordService, ServiceRecord } from "../environment/record";
import { planDeployment } from "../pipeline";
import { comparePlan, StackPlan } from "../plan/changes";
import { unannouncedChanges } from "../plan/announced";
import { jsonReport, markdownReport, textReport, Unannounced } from "../plan/report";
import { formatProblem, hasErrors, sortProblems } from "../problems";
import { RevisionError } from "../read/gitRevision";
import { openServiceSource } from "../read/serviceSource";
import { prodStacksIn, stackConfigFromFile } from "../read/stackFile";
import { readSettings } from "../settings";
import { retryTruncatedReads } from "../state/backend";
import { openStackWorkspace } from "../state/stackWorkspace";
import { explainPulumiError } from "./pulumiErrors";
import { plannedChanges } from "./engineChanges";

const PROJECT = "dockerfiles";
const USAGE = "usage: npm run plan -- [test|prod] [--json|--markdown] [--no-preview]";

export type PlanFormat = "text" | "markdown" | "json";

/** The plan of a stack, and whether the stack has no record key yet (deployed before records, or never). */
export interface ComputedPlan {
  readonly plan: StackPlan;
  readonly firstRecord: boolean;
}

/**
 * The stack's plan: its outputs' records against the records of what its configuration deploys now
 * (the working tree, or `servicesRef`), with the secrets hashed under the stack's own record key.
 * Returns why it cannot, in words for the user, instead.
 */
export async function computePlan(stack: Stack, root: string, stackName: string): Promise<ComputedPlan | string> {
  let outputs: Awaited<ReturnType<Stack["outputs"]>>;
  let config: Awaited<ReturnType<Stack["getAllConfig"]>>;
  try {
    outputs = await retryTruncatedReads(() => stack.outputs());
    config = await stack.getAllConfig();
  } catch (e) {
    return explainPulumiError(e, stackName);
  }
  // The stack's own config (secrets decrypted), then what Pulumi.yaml gives as defaults.
  const fromFile = stackConfigFromFile(root, stackName);
  const { settings, problems } = readSettings(stackName, (key) => config[`${PROJECT}:${key}`]?.value ?? fromFile(key));
  if (!settings) return problems.map((p) => formatProblem(p, false)).join("\n");
  let source;
  try {
    source = await openServiceSource(root, settings, { checkout: false });
  } catch (e) {
    if (e instanceof RevisionError) return e.message;
    throw e;
  }
  const deployment = planDeployment({ settings, view: source.view, environment: (n) => process.env[n], prodStacks: prodStacksIn(root) });
  if (hasErrors(deployment.problems)) {
    return `the service folders have errors; nothing can be planned:\n${sortProblems(deployment.problems.filter((p) => p.severity === "error")).map((p) => formatProblem(p, false)).join("\n")}`;
  }
  const key = outputs.recordKey?.value as string | undefined;
  // Without a key nothing was recorded: every secret compares as changed, whatever the key.
  const hash = keyedHash(key || randomBytes(32).toString("hex"));
  const planned = Object.fromEntries(deployment.services.map((s) => [s.folder, recordService(s, hash)]));
  const deployed: Record<string, ServiceRecord | null> = {};
  const services = (outputs.services?.value ?? {}) as Record<string, { record?: ServiceRecord }>;
  for (const [folder, s] of Object.entries(services)) deployed[folder] = s.record?.version === 1 ? s.record : null;
  return { plan: comparePlan(stackName, settings.kind, deployed, planned, describeSource(settings.servicesRef, source.revision)), firstRecord: !key };
}

/** What is deployed, in words: a pinned revision, or the working tree (at which commit, with uncommitted changes or not). */
function describeSource(servicesRef: string | undefined, revision: { sha: string; dirty: readonly string[] } | undefined): string {
  if (servicesRef) return `revision ${servicesRef}${revision && !revision.sha.startsWith(servicesRef) ? ` (${revision.sha.slice(0, 12)})` : ""}, the stack's servicesRef`;
  if (!revision) return "the working tree";
  return `the working tree at ${revision.sha.slice(0, 12)}${revision.dirty.length > 0 ? ` with uncommitted changes (${revision.dirty.slice(0, 5).join(", ")}${revision.dirty.length > 5 ? ", …" : ""})` : ""}`;
}

/** The engine's preview of the stack: what it would touch that the plan did not announce, or the engine's error. */
export async function enginePreview(stack: Stack, computed: ComputedPlan, stackName: string): Promise<Unannounced[] | string> {
  const events: EngineEvent[] = [];
  try {
    await stack.preview({ onEvent: (e) => events.push(e) });
  } catch (e) {
    return explainPulumiError(e, stackName);
  }
  return unannouncedChanges(computed.plan, plannedChanges(events), { firstRecord: computed.firstRecord });
}

export function render(format: PlanFormat, plan: StackPlan, unannounced: readonly Unannounced[]): string[] {
  if (format === "json") return [jsonReport(plan, unannounced)];
  return format === "markdown" ? markdownReport(plan, unannounced) : textReport(plan, unannounced);
}

export function parsePlanArgs(argv: readonly string[]): { stack: string; format: PlanFormat; preview: boolean } | string {
  let stack: string | undefined;
  let format: PlanFormat = "text";
  let preview = true;
  for (const a of argv) {
    if (a === "--json") format = "json";
    else if (a === "--markdown") format = "markdown";
    else if (a === "--no-preview") preview = false;
    else if (!a.startsWith("-") && stack === undefined) stack = a;
    else return `${USAGE}   (unknown argument '${a}')`;
  }
  return { stack: stack ?? "test", format, preview };
}

export async function runPlan(argv: string[], root: string, out: (line: string) => void): Promise<number> {
  const args = parsePlanArgs(argv);
  if (typeof args === "string") {
    out(args);
    return 1;
  }
  // The stack on the backend its stack file names, as every command that runs pulumi on a stack.
  const workspace = await openStackWorkspace(root, args.stack);
  if (typeof workspace === "string") {
    out(`plan: ${workspace}`);
    return 1;
  }
  const { stack } = workspace;
  const computed = await computePlan(stack, root, args.stack);
  if (typeof computed === "string") {
    out(`plan: ${computed}`);
    return 1;
  }
  const unannounced = args.preview ? await enginePreview(stack, computed, args.stack) : [];
  if (typeof unannounced === "string") {
    render(args.format, computed.plan, []).forEach((l) => out(l));
    out(`plan: the engine's preview failed: ${unannounced}`);
    return 1;
  }
  render(args.format, computed.plan, unannounced).forEach((l) => out(l));
  return computed.plan.changes || unannounced.length > 0 ? 2 : 0;
}

if (require.main === module) {
  void runPlan(process.argv.slice(2), process.cwd(), (l) => console.log(l)).then((code) => (process.exitCode = code));
}
