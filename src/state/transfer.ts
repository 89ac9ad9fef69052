/**
 * A stack's state carried between backends and files with `pulumi stack export/import`: the move from
 * the embedded file backend to a shared one, backups, and restores. The exported file holds the
 * secrets encrypted as in the backend (the CLI export, not the Automation API's, which decrypts them);
 * it is opened with the stack's passphrase and the salt of its stack file.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { retryTruncatedReads } from "./backend";

const run = promisify(execFile);

/** A `pulumi` command in the project directory, on the backend `env` names (PULUMI_BACKEND_URL…). */
export async function pulumiCli(root: string, env: Readonly<Record<string, string>>, args: string[]): Promise<string> {
  return retryTruncatedReads(async () => {
    try {
      const { stdout } = await run("pulumi", [...args, "--non-interactive"], { cwd: root, env: { ...process.env, ...env }, maxBuffer: 512 * 1024 * 1024 });
      return stdout;
    } catch (e) {
      const failed = e as { stderr?: string; message?: string };
      throw new Error(`pulumi ${args.join(" ")} failed:\n${failed.stderr || failed.message || String(e)}`, { cause: e });
    }
  });
}

/** What `pulumi stack export` wrote, as far as a move or a restore needs to know. */
export interface ExportedState {
  readonly text: string;
  readonly resources: number;
}

export function readExport(text: string, from: string): ExportedState | string {
  try {
    const parsed = JSON.parse(text) as { version?: number; deployment?: { resources?: unknown[] } };
    if (typeof parsed.version !== "number" || typeof parsed.deployment !== "object") return `${from} is not a stack export (pulumi stack export writes {version, deployment})`;
    return { text, resources: parsed.deployment?.resources?.length ?? 0 };
  } catch {
    return `${from} is not JSON; a backup is what npm run state:backup (pulumi stack export) wrote`;
  }
}

/** The stack's names in a backend (the project's only). */
export async function stacksIn(root: string, env: Readonly<Record<string, string>>): Promise<string[]> {
  const listed = JSON.parse(await pulumiCli(root, env, ["stack", "ls", "--json"])) as { name: string }[];
  return listed.map((s) => s.name.split("/").pop() ?? s.name);
}

export async function exportStack(root: string, stack: string, env: Readonly<Record<string, string>>): Promise<ExportedState | string> {
  const text = await pulumiCli(root, env, ["stack", "export", "--stack", stack]);
  return readExport(text, `the export of ${stack}`);
}

/** Creates the stack in the backend when it is not there (same stack file: same salt and passphrase), then imports. */
export async function importStack(root: string, stack: string, env: Readonly<Record<string, string>>, state: ExportedState): Promise<void> {
  if (!(await stacksIn(root, env)).includes(stack)) await pulumiCli(root, env, ["stack", "init", stack, "--no-select"]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dockerfiles-state-"));
  try {
    const file = path.join(dir, `${stack}.json`);
    fs.writeFileSync(file, state.text, { mode: 0o600 });
    await pulumiCli(root, env, ["stack", "import", "--stack", stack, "--file", file]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Where backups go unless told: `.state-backups/` in the clone (git-ignored). */
export function backupPath(root: string, stack: string, now: Date, why = ""): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  return path.join(root, ".state-backups", `${stack}-${stamp}${why ? `-${why}` : ""}.json`);
}

export function writeBackup(file: string, state: ExportedState): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, state.text, { mode: 0o600 });
}
