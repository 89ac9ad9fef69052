import { DOCKER_TYPES } from "../read/dockerResources";
import { StackPlan } from "./changes";
import { Unannounced } from "./report";

/** A change the engine's preview reports: the resource's logical name, type and operation. */
export interface EngineChange {
  readonly name: string;
  readonly type: string;
  readonly op: string;
}

const REPLACE_OPS = new Set(["replace", "create-replacement", "delete-replaced"]);

/**
 * What the engine may touch given the plan: logical name → the operations announced (undefined: any).
 * Names follow the declare stage: `<folder>/<compose key>` for containers, volumes and networks,
 * `<folder>/<service>/image|healthy|completed|snapshot-<volume>|make-way|handover` for the commands around a container.
 */
export function announcedResources(plan: StackPlan, opts: { firstRecord: boolean }): { names: Map<string, ReadonlySet<string> | undefined>; prefixes: string[]; stackLevel: boolean } {
  const names = new Map<string, ReadonlySet<string> | undefined>();
  const prefixes: string[] = [];
  const anyStackLevel = opts.firstRecord || plan.services.some((s) => s.action === "create" || s.action === "remove" || s.host !== undefined);
  if (opts.firstRecord) names.set("record-key", undefined);
  // Stack-level resources follow the services: the destroy guard, a machine's provider, external networks.
  if (anyStackLevel) prefixes.push("host/", "external/", "prod-destroy-guard");
  for (const s of plan.services) {
    if (s.action === "create" || s.action === "remove" || s.action === "unknown" || s.host !== undefined) {
      names.set(s.folder, undefined);
      prefixes.push(`${s.folder}/`);
      continue;
    }
    for (const c of s.containers) {
      if (c.action === "unchanged") continue;
      const ops = c.action === "update" ? new Set(["update"]) : c.action === "replace" ? REPLACE_OPS : c.action === "create" ? new Set(["create"]) : new Set(["delete"]);
      names.set(`${s.folder}/${c.service}`, ops);
      // Its health and completion waits, and the snapshots taken before it is replaced, follow it.
      if (c.action !== "update") prefixes.push(...["healthy", "completed", "snapshot-", "make-way", "handover"].map((w) => `${s.folder}/${c.service}/${w}`));
      for (const r of c.reasons) if (r.kind === "image") for (const ref of [r.from, r.to]) if (ref) names.set(`${s.folder}/${ref}`, undefined);
    }
    for (const i of s.images) names.set(`${s.folder}/${i.service}/image`, undefined);
    for (const v of s.volumes) names.set(`${s.folder}/${v.key}`, undefined);
    for (const n of s.networks) names.set(`${s.folder}/${n.key}`, undefined);
  }
  return { names, prefixes, stackLevel: anyStackLevel };
}

/** The engine's changes the plan did not announce (or announced as another operation, for containers). */
export function unannouncedChanges(plan: StackPlan, engine: readonly EngineChange[], opts: { firstRecord: boolean }): Unannounced[] {
  const { names, prefixes, stackLevel } = announcedResources(plan, opts);
  return engine.filter((e) => {
    // Providers (one per machine, and the default ones) come and go with the services that use them.
    if (e.type.startsWith("pulumi:providers:")) return !stackLevel;
    if (names.has(e.name)) {
      const ops = names.get(e.name);
      return ops !== undefined && e.type === DOCKER_TYPES.container && !ops.has(e.op);
    }
    return !prefixes.some((p) => e.name.startsWith(p) || e.name === p);
  });
}
