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
  /** The broken state file, when it is the state itself that does not read. */
  readonly broken?: string;
  /** The readable state it is put back from. */
  readonly from?: string;
  /** The state file's metadata, when it does not read. */
  readonly brokenMetadata?: string;
}

function parses(file: string, valid: (parsed: unknown) => boolean): boolean {
  try {
    return valid(JSON.parse(fs.readFileSync(file, "utf8")));
  } catch {
    return false;
  }
}

const readable = (file: string): boolean => parses(file, (p) => typeof (p as { checkpoint?: unknown } | null)?.checkpoint === "object");

/** The stack's state file and the readable states it could be put back from, newest first. */
function statePaths(directory: string, project: string, stack: string): { file: string; earlier: string[] } {
  const file = path.join(directory, ".pulumi/stacks", project, `${stack}.json`);
  const history = path.join(directory, ".pulumi/history", project, stack);
  const checkpoints = fs.existsSync(history)
    ? fs.readdirSync(history).filter((f) => f.endsWith(".checkpoint.json")).sort((a, b) => (BigInt(/-(\d+)\./.exec(b)?.[1] ?? "0") > BigInt(/-(\d+)\./.exec(a)?.[1] ?? "0") ? 1 : -1)).map((f) => path.join(history, f))
    : [];
  return { file, earlier: [`${file}.bak`, ...checkpoints] };
}

/** The repair the stack's state needs; undefined when it reads (or does not exist, or is compressed). */
export function brokenCheckpoint(directory: string, project: string, stack: string): CheckpointRepair | undefined {
  const { file, earlier } = statePaths(directory, project, stack);
  if (!fs.existsSync(file)) return undefined;
  const metadata = `${file}.attrs`;
  const brokenMetadata = fs.existsSync(metadata) && !parses(metadata, (p) => typeof p === "object" && p !== null) ? metadata : undefined;
  if (readable(file)) return brokenMetadata ? { brokenMetadata } : undefined;
  const from = earlier.find((f) => fs.existsSync(f) && readable(f));
  return from ? { broken: file, from, brokenMetadata } : undefined;
}

/** Puts the state back and sets broken metadata aside; returns where each broken file was kept. */
export function repairCheckpoint(repair: CheckpointRepair, now: Date = new Date()): string[] {
  const aside = (file: string): string => {
    const kept = `${file}.broken-${now.toISOString().replace(/[:.]/g, "-")}`;
    fs.renameSync(file, kept);
    return kept;
  };
  const kept: string[] = [];
  if (repair.broken && repair.from) {
    kept.push(aside(repair.broken));
    fs.copyFileSync(repair.from, repair.broken);
  }
  if (repair.brokenMetadata) kept.push(aside(repair.brokenMetadata));
  return kept;
}
