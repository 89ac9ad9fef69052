import { ContainerChange, ImageChange, Reason, ServiceChanges, StackPlan, VolumeChange } from "./changes";

/**
 * The plan as a person reads it: plain text (the terminal), Markdown (a merge request's comment), or
 * JSON (a stable schema, `dockerfiles-plan/1`, documented in the README).
 */

/** What a deployment costs: what restarts, what happens to data, what is built and pushed. */
export interface PlanCosts {
  /** Containers stopped and created again, with those that depend on them. */
  readonly restarts: readonly { readonly folder: string; readonly service: string; readonly name: string; readonly action: "replace" | "remove"; readonly dependents: readonly string[] }[];
  readonly volumes: readonly (VolumeChange & { readonly folder: string })[];
  readonly imagesBuilt: readonly string[];
  readonly imagesPushed: readonly string[];
}

/** An engine change the plan did not announce (from the engine's preview). */
export interface Unannounced {
  readonly name: string;
  readonly type: string;
  readonly op: string;
}

export function planCosts(plan: StackPlan): PlanCosts {
  const restarts = plan.services.flatMap((s) => s.containers.filter((c) => c.action === "replace" || c.action === "remove").map((c) => ({ folder: s.folder, service: c.service, name: c.name, action: c.action as "replace" | "remove", dependents: c.dependents })));
  const volumes = plan.services.flatMap((s) => s.volumes.map((v) => ({ ...v, folder: s.folder })));
  const images = plan.services.flatMap((s) => s.images);
  return { restarts, volumes, imagesBuilt: images.map((i) => i.imageName), imagesPushed: images.filter((i) => i.push).map((i) => i.imageName) };
}

const BUILD_SETTINGS = new Set(["dockerfile", "target"]);
const TRAEFIK_RULE = /^traefik\.http\.routers\.[^.]+\.rule$/;

/** What a reason is about, in the domain's words. */
function subject(r: Reason): string {
  switch (r.kind) {
    case "environment": return `environment ${r.key}`;
    case "secret": return `secret ${r.key}`;
    case "label": return TRAEFIK_RULE.test(r.key ?? "") ? `Traefik rule ${r.key}` : `label ${r.key}`;
    case "file": return `file ${r.key}`;
    case "mount": return `mount ${r.key}`;
    case "network": return `network ${r.key}`;
    case "port": return `port ${r.key}`;
    case "healthcheck": return "healthcheck";
    case "restart": return "restart policy";
    case "setting": return `setting ${r.key}`;
    case "host": return "host";
    case "name": return "container name";
    case "dependsOn": return `depends_on ${r.key}`;
    case "image": return "image";
    case "build": return r.key?.startsWith("file ") ? r.key : r.key?.startsWith("arg ") ? `build ${r.key}` : r.key === undefined ? "build" : BUILD_SETTINGS.has(r.key) ? `build ${r.key}` : `rebuilt image ${r.key}`;
    case "inputs": return "other inputs (inputs hash)";
  }
}

/** One line per reason (a file's diff follows on its own lines). Secrets: never a value, whatever the record holds. */
export function reasonLine(r: Reason): string {
  const what = subject(r);
  if (r.kind === "secret") return `${what} ${r.change} (value not shown)`;
  if (r.detail !== undefined) return `${what} (${r.detail} changed)`;
  if (r.change === "added") return r.to === undefined ? `${what} added` : `${what} added: ${r.to}`;
  if (r.change === "removed") return r.from === undefined ? `${what} removed` : `${what} removed (was ${r.from})`;
  if (r.from !== undefined && r.to !== undefined) return `${what}: ${r.from} → ${r.to}`;
  return `${what} changed`;
}

const CONTAINER_ACTION = { create: "created", replace: "replaced", update: "updated in place", remove: "removed", unchanged: "unchanged" } as const;

function containerLine(c: ContainerChange): string {
  const deps = c.dependents.length > 0 ? `; depended on by ${c.dependents.join(", ")}` : "";
  const downtime = c.downtime ? ` (${c.downtime})` : "";
  return `${c.service} (container ${c.name}): ${CONTAINER_ACTION[c.action]}${downtime}${deps}`;
}

function imageLine(i: ImageChange): string {
  const why = i.reasons.map(reasonLine).join("; ");
  return `image ${i.imageName}: built${i.push ? " and pushed" : ""}${why ? ` — ${why}` : ""}`;
}

function volumeLine(v: VolumeChange): string {
  const why = v.reasons.length > 0 ? ` (${v.reasons.map(reasonLine).join("; ")})` : "";
  return `volume ${v.key} (${v.name}): ${v.action === "create" ? "created" : v.action === "replace" ? "replaced" : "removed"}${why} — ${v.verdict}`;
}

function serviceHeading(s: ServiceChanges): string {
  const what = { create: "created", change: "changes", remove: "removed", unchanged: "unchanged", unknown: "deployed before the stack recorded what it runs: cannot compare; the next up records it" }[s.action];
  return `${s.folder}: ${what}`;
}

/** Plain text: per folder, its changes and their reasons; then the costs. */
export function textReport(plan: StackPlan, unannounced: readonly Unannounced[] = []): string[] {
  const lines = [`Plan for stack ${plan.stack} (${plan.kind}): ${plan.changes ? "changes" : "no change"}`];
  if (plan.source) lines.push(`Deploying ${plan.source}`);
  for (const s of plan.services) {
    lines.push(serviceHeading(s));
    for (const c of s.containers) {
      if (c.action === "unchanged" && c.reasons.length === 0) continue;
      lines.push(`  ${containerLine(c)}`);
      for (const r of c.reasons) {
        lines.push(`    ${reasonLine(r)}`);
        if (r.diff) lines.push(...r.diff.split("\n").map((l) => `      ${l}`));
      }
    }
    for (const i of s.images) lines.push(`  ${imageLine(i)}`);
    for (const v of s.volumes) lines.push(`  ${volumeLine(v)}`);
    for (const n of s.networks) lines.push(`  network ${n.key} (${n.name}): ${n.action === "create" ? "created" : n.action === "replace" ? "replaced" : "removed"}`);
  }
  lines.push(...costLines(planCosts(plan)));
  lines.push(...unannouncedLines(unannounced));
  return lines;
}

function costLines(costs: PlanCosts): string[] {
  const restarts = costs.restarts.map((r) => `${r.folder}/${r.service}${r.action === "remove" ? " (removed)" : ""}${r.dependents.length > 0 ? ` (depended on by ${r.dependents.join(", ")})` : ""}`);
  const refused = costs.volumes.filter((v) => v.refused);
  return [
    `Costs: containers that restart: ${restarts.length > 0 ? restarts.join(", ") : "none"}`,
    `       data volumes: ${costs.volumes.length > 0 ? costs.volumes.map((v) => `${v.folder}/${v.key} ${v.action}d — ${v.verdict}`).join("; ") : "none touched"}`,
    `       images built: ${costs.imagesBuilt.length > 0 ? costs.imagesBuilt.join(", ") : "none"}; pushed: ${costs.imagesPushed.length > 0 ? costs.imagesPushed.join(", ") : "none"}`,
    ...(refused.length > 0 ? [`REFUSED: up would stop at ${refused.map((v) => `the protected volume ${v.folder}/${v.key}`).join(", ")}`] : []),
  ];
}

function unannouncedLines(unannounced: readonly Unannounced[]): string[] {
  if (unannounced.length === 0) return [];
  return [
    `WARNING: THE ENGINE'S PREVIEW WOULD ALSO TOUCH ${unannounced.length} RESOURCE(S) THIS PLAN DID NOT ANNOUNCE:`,
    ...unannounced.map((u) => `  ${u.op} ${u.name} (${u.type})`),
    "Read `pulumi preview --diff` before deploying.",
  ];
}

/** Markdown for a merge request's comment: a table of folders, then the reasons, diffs in fenced blocks. */
export function markdownReport(plan: StackPlan, unannounced: readonly Unannounced[] = []): string[] {
  const lines = [`### Plan for stack \`${plan.stack}\` (${plan.kind}): ${plan.changes ? "changes" : "no change"}`, ""];
  if (plan.source) lines.push(`Deploying ${escapeMd(plan.source)}.`, "");
  if (unannounced.length > 0) lines.push(`> [!WARNING]`, `> The engine's preview would also touch resources this plan did not announce:`, ...unannounced.map((u) => `> - ${u.op} \`${u.name}\` (${u.type})`), "");
  lines.push("| Service | What changes |", "|---|---|");
  for (const s of plan.services) lines.push(`| \`${s.folder}\` | ${serviceHeading(s).slice(s.folder.length + 2)} |`);
  lines.push("");
  for (const s of plan.services.filter((x) => x.action !== "unchanged")) {
    lines.push(`#### \`${s.folder}\``, "");
    for (const c of s.containers.filter((x) => x.action !== "unchanged" || x.reasons.length > 0)) {
      lines.push(`- **${c.service}** (\`${c.name}\`): ${containerLine(c).slice(containerLine(c).indexOf(": ") + 2)}`);
      for (const r of c.reasons) {
        lines.push(`  - ${escapeMd(reasonLine(r))}`);
        if (r.diff) lines.push("", "    ```diff", ...r.diff.split("\n").map((l) => `    ${l}`), "    ```", "");
      }
    }
    for (const i of s.images) lines.push(`- ${escapeMd(imageLine(i))}`);
    for (const v of s.volumes) lines.push(`- ${v.refused || v.action !== "create" ? "**" : ""}${escapeMd(volumeLine(v))}${v.refused || v.action !== "create" ? "**" : ""}`);
    for (const n of s.networks) lines.push(`- network \`${n.key}\` (\`${n.name}\`): ${n.action}`);
    lines.push("");
  }
  lines.push(...costLines(planCosts(plan)).map((l) => `${l.trim()}  `));
  return lines;
}

function escapeMd(text: string): string {
  return text.replace(/([|*_<>])/g, "\\$1");
}

/** The JSON schema `dockerfiles-plan/1`: the plan itself, its costs, and what the engine would touch unannounced. */
export function jsonReport(plan: StackPlan, unannounced: readonly Unannounced[] = []): string {
  return JSON.stringify({ schema: "dockerfiles-plan/1", ...plan, costs: planCosts(plan), unannounced }, null, 2);
}
