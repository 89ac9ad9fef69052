import { EngineEvent, OpType } from "@pulumi/pulumi/automation";

/** Operations that lose a volume's data. */
export const DESTRUCTIVE: readonly OpType[] = ["delete", "replace", "create-replacement", "delete-replaced", "discard", "discard-replaced"];

export interface PlannedChange {
  /** Logical name, `<folder>/<key>`. */
  readonly name: string;
  readonly type: string;
  readonly op: OpType;
}

/** The changes a preview announced, from its engine events (the stack itself excepted). */
export function plannedChanges(events: readonly EngineEvent[]): PlannedChange[] {
  const out = new Map<string, PlannedChange>();
  for (const e of events) {
    const m = e.resourcePreEvent?.metadata;
    if (!m || m.op === "same" || m.op === "read" || m.type === "pulumi:pulumi:Stack") continue;
    const name = m.urn.slice(m.urn.lastIndexOf("::") + 2);
    if (!out.has(`${m.type}::${name}`) || DESTRUCTIVE.includes(m.op)) out.set(`${m.type}::${name}`, { name, type: m.type, op: m.op });
  }
  return [...out.values()];
}

