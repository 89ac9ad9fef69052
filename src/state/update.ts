/**
 * The stack's last update as its history records it (every backend keeps one; a bucket keeps it
 * under `.pulumi/history/`): what, when, with what result, and who, when our commands deployed.
 */
import { UpdateSummary } from "@pulumi/pulumi/automation";
import { deployerOf } from "./deployer";

export interface LastUpdate {
  readonly kind: string;
  readonly result: string;
  readonly at: Date;
  /** Undefined when the update was not made by our commands (a plain `pulumi up`). */
  readonly who?: string;
  /** The commit HEAD was at, as Pulumi recorded it. */
  readonly head?: string;
}

export function lastUpdate(history: readonly UpdateSummary[]): LastUpdate | undefined {
  const u = [...history].sort((a, b) => new Date(b.startTime).getTime() - new Date(a.startTime).getTime())[0];
  if (!u) return undefined;
  return {
    kind: u.kind,
    result: u.result,
    at: new Date(u.endTime ?? u.startTime),
    who: deployerOf(u.message),
    head: u.environment?.["git.head"],
  };
}

/** One line, e.g. `last update: update succeeded at 2026-11-24 10:12:03 UTC (4 min ago) by Alice <…> on laptop-3`. */
export function describeLastUpdate(u: LastUpdate | undefined, now: Date): string {
  if (!u) return "last update: none recorded";
  const who = u.who ? `by ${u.who}` : "by someone not using scripts/deploy.sh or npm run rollback (a plain pulumi up records no deployer)";
  return `last update: ${u.kind} ${u.result} at ${formatTime(u.at)} (${ago(u.at, now)}) ${who}`;
}

export function formatTime(t: Date): string {
  return `${t.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

export function ago(t: Date, now: Date): string {
  const s = Math.max(0, Math.round((now.getTime() - t.getTime()) / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min ago`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} days ago`;
}
