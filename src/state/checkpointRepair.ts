import * as fs from "node:fs";
import * as path from "node:path";

/**
 * A stack's state in a directory backend that a `pulumi` killed while writing it left unreadable
 * (Pulumi then refuses every command with "failed to load checkpoint: EOF"):
 * - the state file empty or cut short. Pulumi keeps the state as it was before each write beside it
 *   (`<stack>.json.bak`), and each update's final state in the history; `npm run recover` puts the
 *   newest readable one back, keeping the broken file aside;
 * - or its metadata, `<stack>.json.attrs` (content type and MD5), which Pulumi's blob library rewrites
 *   in place, not atomically, just before it renames the new state into place: killed there, the state
 *   file still holds the state before that write, whole, and only the metadata is empty. Pulumi reads a
 *   state without metadata and writes it again at the next write; recover sets the broken one aside.
 */
export interface CheckpointRepair {
  /** The state file, empty or cut short, and the readable state it is put back from. */
  readonly state?: { readonly broken: string; readonly from: string };
  /** The state file's metadata, empty or cut short. */
  readonly metadata?: string;
}

function parses(file: string, valid: (parsed: unknown) => boolean): boolean {
  try {
    return valid(JSON.parse(fs.readFileSync(file, "utf8")));
  } catch {
    return false;
  }
}

const readable = (file: string): boolean => parses(file, (p) => typeof (p as { checkpoint?: unknown } | null)?.checkpoint === "object");

/** The newest readable state before the broken one: Pulumi's copy, else the last update's in the history. */
function earlierState(file: string, history: string): string | undefined {
  const checkpoints = fs.existsSync(history)
    ? fs.readdirSync(history).filter((f) => f.endsWith(".checkpoint.json")).sort((a, b) => (BigInt(/-(\d+)\./.exec(b)?.[1] ?? "0") > BigInt(/-(\d+)\./.exec(a)?.[1] ?? "0") ? 1 : -1)).map((f) => path.join(history, f))
    : [];
  return [`${file}.bak`, ...checkpoints].find((f) => fs.existsSync(f) && readable(f));
}

/** The repair the stack's state needs; undefined when it reads (or does not exist, or is compressed). */
export function brokenCheckpoint(directory: string, project: string, stack: string): CheckpointRepair | undefined {
  const file = path.join(directory, ".pulumi/stacks", project, `${stack}.json`);
  if (!fs.existsSync(file)) return undefined;
  const attrs = `${file}.attrs`;
  const metadata = fs.existsSync(attrs) && !parses(attrs, (p) => typeof p === "object" && p !== null) ? attrs : undefined;
  const from = readable(file) ? undefined : earlierState(file, path.join(directory, ".pulumi/history", project, stack));
  const state = from ? { broken: file, from } : undefined;
  return state || metadata ? { state, metadata } : undefined;
}

/** Puts the state back and sets broken metadata aside; returns where each broken file was kept. */
export function repairCheckpoint(repair: CheckpointRepair, now: Date = new Date()): { state?: string; metadata?: string } {
  const aside = (file: string): string => {
    const kept = `${file}.broken-${now.toISOString().replace(/[:.]/g, "-")}`;
    fs.renameSync(file, kept);
    return kept;
  };
  const state = repair.state && aside(repair.state.broken);
  if (repair.state) fs.copyFileSync(repair.state.from, repair.state.broken);
  return { state, metadata: repair.metadata && aside(repair.metadata) };
}
