/**
 * The no-change check `scripts/deploy.sh` runs before anything else (README, "Performance"): whether
 * `pulumi up` on the stack has nothing to do, decided from the checkout, the state's files and one
 * round of Docker's API, without starting the engine. It never deploys. Exit codes:
 *   0 nothing to do (one line says so)   3 the engine must run (the reasons follow)
 *   4 the engine must run with --refresh: Docker drifted from the state (a container removed, stopped…)
 *   5 cannot tell here (a shared backend, an ssh:// host, encrypted settings…): the engine decides
 * With 3, when only folders changed, the folders the engine may leave out (src/plan/leftOut.ts) are
 * written to <left-out file>: UNCHANGED_FOLDERS_ENV's value on the first line, then `pulumi up`'s
 * --exclude arguments, one per line (empty when none).
 * What it computed from the checkout is kept in .deploy/ with what it read (README, "Performance"):
 * the next run compares file signatures instead of parsing every compose file again.
 * Usage: node scripts/up-to-date.cjs <stack> [<left-out file>]   (runs it bundled: scripts/bundle.cjs)
 */
import { execFileSync } from "node:child_process";
import { createHmac } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { readDeployedState } from "../read/deployedState";
import { readDockerEngine } from "../read/dockerEngine";
import { readFingerprintKey } from "../read/fingerprintKey";
import { changedSince, RecordedReads, RecordingView } from "../read/recordedReads";
import type { Fingerprints } from "../environment/fingerprint";
import { excludable, excludeArgs, unchangedFoldersValue } from "../plan/leftOut";
import { compareWithDeployed } from "../plan/upToDate";
import type { Expected } from "./checkoutExpectation";

export const EXIT = { upToDate: 0, engine: 3, refresh: 4, cannotTell: 5 } as const;
const PROJECT = "dockerfiles";

/** What a full computation found, and what it read to find it. */
interface Memo {
  readonly version: 2;
  readonly revision: string | null;
  readonly reads: RecordedReads;
  readonly expected: Expected;
}

const memoFile = (root: string, stack: string): string => path.join(root, ".deploy", `up-to-date-${stack}.json`);

/** The kept computation; undefined when there is none this version reads. */
function readMemo(file: string): Memo | undefined {
  try {
    const memo = JSON.parse(fs.readFileSync(file, "utf8")) as Memo;
    return memo.version === 2 ? memo : undefined;
  } catch {
    return undefined;
  }
}

/** The commit checked out (HEAD), or null outside a git repository. */
function headCommit(root: string): string | null {
  try {
    return execFileSync("git", ["rev-parse", "--verify", "--quiet", "HEAD"], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim() || null;
  } catch {
    return null;
  }
}

/** The kept computation when the checkout, the program and the environment read the same; else computed again and kept. */
async function expected(root: string, stack: string, key: string): Promise<Expected | string> {
  const digest = (v: string): string => createHmac("sha256", key).update(v).digest("hex").slice(0, 32);
  const revision = headCommit(root);
  const file = memoFile(root, stack);
  const memo = readMemo(file);
  if (memo && memo.revision === revision && !changedSince(root, memo.reads, process.env, digest)) return memo.expected;
  const view = new RecordingView(root, digest);
  // Loaded only here: parsing compose files is what a kept computation spares (half the check's start).
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy require keeps it out of the check's start
  const { computeExpected } = require("./checkoutExpectation") as typeof import("./checkoutExpectation");
  const computed = await computeExpected(root, stack, key, view);
  const reads = view.recorded();
  if (typeof computed !== "string" && reads) {
    const kept: Memo = { version: 2, revision, reads, expected: computed };
    fs.writeFileSync(`${file}.${process.pid}`, JSON.stringify(kept));
    fs.renameSync(`${file}.${process.pid}`, file);
  }
  return computed;
}

export async function upToDate(root: string, stack: string, out: (line: string) => void, leftOutFile?: string): Promise<number> {
  const started = process.hrtime.bigint();
  const key = readFingerprintKey(root, { create: false });
  const exp = key ? await expected(root, stack, key) : "this machine has no fingerprint key yet (the first up makes it)";
  const state = typeof exp === "string" ? exp : readDeployedState(exp.directory, PROJECT, stack);
  if (typeof exp === "string" || typeof state === "string") {
    out(`deploy: the engine decides (${typeof exp === "string" ? exp : (state as string)})`);
    return EXIT.cannotTell;
  }
  const verdict = compareWithDeployed(exp.expectation, state, await readDockerEngine(exp.socket));
  if (verdict.upToDate) {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const folders = Object.keys(exp.expectation.fingerprints.folders).length;
    out(`deploy: nothing to do on stack ${stack}: its ${folders} service folder(s) run what the checkout describes (state and Docker checked in ${seconds.toFixed(2)} s; any pulumi argument, e.g. --refresh, runs the engine)`);
    return EXIT.upToDate;
  }
  out(`deploy: changes on stack ${stack}${verdict.refresh ? " (Docker drifted: the engine refreshes first)" : ""}:`);
  for (const r of verdict.reasons) out(`  ${r}`);
  if (leftOutFile) writeLeftOut(leftOutFile, stack, exp.expectation.fingerprints, verdict.unchanged, out);
  return verdict.refresh ? EXIT.refresh : EXIT.engine;
}

/** What deploy.sh passes the engine to leave the unchanged folders out; an empty file when none may be. */
function writeLeftOut(file: string, stack: string, fingerprints: Fingerprints, unchanged: readonly string[], out: (line: string) => void): void {
  const folders = unchanged.filter(excludable);
  const lines = folders.length === 0 ? [] : [unchangedFoldersValue(fingerprints, folders), ...folders.flatMap((f) => excludeArgs(PROJECT, stack, f))];
  fs.writeFileSync(file, lines.map((l) => `${l}\n`).join(""));
  if (folders.length > 0) out(`deploy: the engine leaves out the ${folders.length} unchanged service folder(s) (pulumi up --exclude): their resources stay as deployed`);
}

/** Run by scripts/up-to-date.cjs (bundled): `<stack>`, the exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    return await upToDate(process.cwd(), argv[0] ?? "test", (l) => console.log(l), argv[1]);
  } catch (e) {
    // A check that cannot finish decides nothing: the engine runs.
    console.log(`deploy: the engine decides (the no-change check failed: ${(e as Error).message})`);
    return EXIT.cannotTell;
  }
}
