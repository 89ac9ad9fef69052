import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/** The files that make the program: what it declares for a given checkout depends on these alone. */
const PROGRAM_FILES = ["index.ts", "Pulumi.yaml", "package.json", "package-lock.json", "scripts/versions.env", "scripts/program.cjs", "scripts/bundle.cjs", "scripts/sdkStacks.cjs", "scripts/sdkDebug.cjs", "scripts/heapGrowth.cjs", "scripts/sdkLazyModules.cjs", "scripts/sdkPreload.cjs"];

/**
 * A digest of the program itself (its sources, its locked dependencies, the Pulumi and provider
 * versions): two runs with the same digest declare the same resources from the same plan. Files
 * missing from a copy of the program (a test's) count as empty.
 */
export function programVersion(root: string): string {
  const hash = createHash("sha256");
  for (const file of programFiles(root)) {
    const full = path.join(root, file);
    hash.update(`${file}\0`).update(fs.existsSync(full) ? fs.readFileSync(full) : "").update("\0");
  }
  return hash.digest("hex").slice(0, 32);
}

/** The program's files, relative to `root`: PROGRAM_FILES, then every .ts file under src/, sorted. */
export function programFiles(root: string): string[] {
  const src = path.join(root, "src");
  const sources = (fs.existsSync(src) ? fs.readdirSync(src, { recursive: true, encoding: "utf8" }) : [])
    .filter((f) => f.endsWith(".ts"))
    .map((f) => path.posix.join("src", f.split(path.sep).join("/")))
    .sort();
  return [...PROGRAM_FILES, ...sources];
}
