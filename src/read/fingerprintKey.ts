import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/** Where this machine keeps the key of its deployment fingerprints (never committed: `.deploy/` is ignored). */
export const FINGERPRINT_KEY_FILE = ".deploy/fingerprint.key";

/**
 * The key of the fingerprints a stack's `up` records (README, "Performance"): 32 random bytes kept on
 * the deploying machine only, readable by its owner only, so the fingerprints in the state (plain
 * outputs) say nothing of the secrets they cover. `create`: made when missing (the program does;
 * the no-change check only reads it, and without it the engine runs).
 */
export function readFingerprintKey(root: string, opts: { create: boolean }): string | undefined {
  const file = path.join(root, FINGERPRINT_KEY_FILE);
  if (fs.existsSync(file)) return fs.readFileSync(file, "utf8").trim();
  if (!opts.create) return undefined;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const key = randomBytes(32).toString("hex");
  try {
    fs.writeFileSync(file, `${key}\n`, { mode: 0o600, flag: "wx" });
  } catch (e) {
    // Another run made it first: use theirs.
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return fs.readFileSync(file, "utf8").trim();
    throw e;
  }
  return key;
}
