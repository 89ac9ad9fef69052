import * as fs from "node:fs";
import * as path from "node:path";

/**
 * A stack's state file in a directory backend left empty or cut short: a `pulumi` killed while it
 * wrote it (Pulumi then refuses every command with "failed to load checkpoint: EOF"). Pulumi keeps the
 * state as it was before each write beside it (`<stack>.json.bak`), and each update's final state in
 * the history; `npm run recover` puts the newest readable one back, keeping the broken file aside.
 */
export interface CheckpointRepair {
  /** The broken state file. */
  readonly broken: string;
  /** The readable state it is put back from. */
  readonly from: string;
}

function readable(file: string): boolean {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, "utf8")) as { checkpoint?: { latest?: unknown } };
    return typeof parsed.checkpoint === "object";
  } catch {
    return false;
  }
}

/** The repair the stack's state file needs; undefined when it reads (or does not exist, or is compressed). */
export function brokenCheckpoint(directory: string, project: string, stack: string): CheckpointRepair | undefined {
  const file = path.join(directory, ".pulumi/stacks", project, `${stack}.json`);
  if (!fs.existsSync(file) || readable(file)) return undefined;
  const history = path.join(directory, ".pulumi/history", project, stack);
  const checkpoints = fs.existsSync(history)
    ? fs.readdirSync(history).filter((f) => f.endsWith(".checkpoint.json")).sort((a, b) => (BigInt(/-(\d+)\./.exec(b)?.[1] ?? "0") > BigInt(/-(\d+)\./.exec(a)?.[1] ?? "0") ? 1 : -1)).map((f) => path.join(history, f))
    : [];
  const from = [`${file}.bak`, ...checkpoints].find((f) => fs.existsSync(f) && readable(f));
  return from ? { broken: file, from } : undefined;
}

/** Puts the state back; returns where the broken file was kept. */
export function repairCheckpoint(repair: CheckpointRepair, now: Date = new Date()): string {
  const kept = `${repair.broken}.broken-${now.toISOString().replace(/[:.]/g, "-")}`;
  fs.renameSync(repair.broken, kept);
  fs.copyFileSync(repair.from, repair.broken);
  return kept;
}
