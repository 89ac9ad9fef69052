/**
 * `npm run state:env|state:move|state:backup|state:restore -- <stack> …`: where a stack's state
 * lives (README, "Shared state").
 *   state:env <stack>                 the exports that make this shell's pulumi use the stack's backend
 *   state:move <stack> [--from URL]   the embedded file backend (or URL) → the shared one the stack file names
 *   state:backup <stack> [file]       pulumi stack export to a file (default .state-backups/<stack>-<time>.json)
 *   state:restore <stack> <file> [--yes]   the file becomes the stack's state (the current one is saved first)
 * (`env` and the deploy message are in deployEnv.ts, which scripts/setup.sh and deploy.sh run bundled.)
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as readline from "node:readline/promises";
import { EngineEvent } from "@pulumi/pulumi/automation";
import { stackEnv } from "./deployEnv";
import { describeBackend, EMBEDDED_STATE_DIR, retryTruncatedReads, StackBackend } from "../state/backend";
import { isShared } from "../state/stateSettings";
import { openStackWorkspace, stackSettingsAndBackend } from "../state/stackWorkspace";
import { backupPath, exportStack, ExportedState, importStack, readExport, stacksIn, writeBackup } from "../state/transfer";
import { explainPulumiError } from "./pulumiErrors";
import { plannedChanges } from "./rollback";

type Out = (line: string) => void;

const USAGE = [
  "usage: npm run state:env -- <stack>",
  "       npm run state:move -- <stack> [--from file:///…]",
  "       npm run state:backup -- <stack> [file]",
  "       npm run state:restore -- <stack> <file> [--yes]",
].join("\n");

export async function state(argv: string[], root: string, out: Out, err: Out = out, ask: (q: string) => Promise<boolean> = confirm): Promise<number> {
  const [command, ...rest] = argv;
  const args = rest.filter((a) => a !== "--yes");
  if (args.length === 0) return usage(err);
  try {
    switch (command) {
      case "env": return args.length === 1 ? stackEnv(root, args[0], out, err) : usage(err);
      case "move": return await move(root, args, out);
      case "backup": return args.length <= 2 ? await backup(root, args[0], args[1], out) : usage(err);
      case "restore": return args.length === 2 ? await restore(root, args[0], args[1], rest.includes("--yes"), out, ask) : usage(err);
      default: return usage(err);
    }
  } catch (e) {
    out(`state: ${explainPulumiError(e, args[0])}`);
    return 1;
  }
}

function usage(err: Out): number {
  err(USAGE);
  return 2;
}

async function move(root: string, args: string[], out: Out): Promise<number> {
  const [stackName, flag, fromArg] = args;
  if (flag !== undefined && (flag !== "--from" || !fromArg)) return fail(out, USAGE);
  const target = stackSettingsAndBackend(root, stackName);
  if (typeof target === "string") return fail(out, target);
  const { backend } = target;
  if (!isShared(backend.location)) {
    return fail(out, `Pulumi.${stackName}.yaml names no shared backend (${describeBackend(backend)}); set state.backend first, e.g. s3://BUCKET?endpoint=https://HOST&use_path_style=true&region=REGION`);
  }
  const from = fromArg ?? `file://${path.join(root, EMBEDDED_STATE_DIR)}`;
  if (from === backend.url) return fail(out, `the stack's state already is in ${from}`);
  const exported = await exportStack(root, stackName, { PULUMI_BACKEND_URL: from });
  if (typeof exported === "string") return fail(out, exported);
  if (exported.resources === 0) return fail(out, `${stackName} has no resource in ${from}: nothing to move (deploy it on ${backend.url} directly)`);
  if ((await stacksIn(root, backend.env)).includes(stackName)) {
    const there = await exportStack(root, stackName, backend.env);
    if (typeof there === "string" || there.resources > 0) {
      return fail(out, `${backend.url} already holds the stack ${stackName}${typeof there === "string" ? "" : ` with ${there.resources} resource(s)`}; nothing was moved (to replace it with a backup: npm run state:restore)`);
    }
  }
  const saved = backupPath(root, stackName, new Date(), "before-move");
  writeBackup(saved, exported);
  await importStack(root, stackName, backend.env, exported);
  out(`state: moved ${stackName} (${exported.resources} resources) from ${from} to ${backend.url}; a copy is in ${path.relative(root, saved)}`);
  const changes = await previewChanges(root, stackName);
  if (typeof changes === "string") return fail(out, `the moved stack cannot be previewed: ${changes}`);
  out(changes === 0 ? `state: the preview on ${backend.url} shows no change: nothing will be replaced` : `state: the preview on ${backend.url} shows ${changes} change(s); read pulumi preview --diff before any up`);
  out(`state: ${from} still holds the old copy; once every admin uses the shared one, remove it so nobody deploys from it: PULUMI_BACKEND_URL=${from} pulumi stack rm ${stackName} --force --preserve-config --yes`);
  return changes === 0 ? 0 : 1;
}

async function backup(root: string, stackName: string, file: string | undefined, out: Out): Promise<number> {
  const resolved = stackSettingsAndBackend(root, stackName);
  if (typeof resolved === "string") return fail(out, resolved);
  const exported = await exportStack(root, stackName, resolved.backend.env);
  if (typeof exported === "string") return fail(out, exported);
  const target = file ? path.resolve(file) : backupPath(root, stackName, new Date());
  writeBackup(target, exported);
  out(`state: ${stackName} (${exported.resources} resources, from ${resolved.backend.url}) saved in ${target}; its secrets stay encrypted with the stack's passphrase. Keep it out of git.`);
  return 0;
}

async function restore(root: string, stackName: string, file: string, yes: boolean, out: Out, ask: (q: string) => Promise<boolean>): Promise<number> {
  const resolved = stackSettingsAndBackend(root, stackName);
  if (typeof resolved === "string") return fail(out, resolved);
  const { backend } = resolved;
  if (!fs.existsSync(file)) return fail(out, `no file ${file}`);
  const restored = readExport(fs.readFileSync(file, "utf8"), file);
  if (typeof restored === "string") return fail(out, restored);
  out(`state: ${stackName} in ${backend.url} gets the state of ${file} (${restored.resources} resources); its current state is saved first.`);
  if (!yes) {
    if (!process.stdin.isTTY) return fail(out, "not interactive; run again with --yes to restore");
    if (!(await ask(`Restore the state of ${stackName}? [y/N] `))) return fail(out, "cancelled; nothing was changed");
  }
  const saved = await saveCurrent(root, stackName, backend);
  await importStack(root, stackName, backend.env, restored);
  out(`state: ${stackName} restored from ${file}${saved ? `; the state it replaced is in ${path.relative(root, saved)}` : ""}`);
  const changes = await previewChanges(root, stackName);
  if (typeof changes === "string") return fail(out, `the restored stack cannot be previewed: ${changes}`);
  out(changes === 0 ? "state: the preview shows no change: the machines run what the restored state says" : `state: the preview shows ${changes} change(s) between the restored state and the repository; read pulumi preview --diff before any up`);
  return 0;
}

/** The stack's state before it is overwritten, when the backend has one. */
async function saveCurrent(root: string, stackName: string, backend: StackBackend): Promise<string | undefined> {
  if (!(await stacksIn(root, backend.env)).includes(stackName)) return undefined;
  const current: ExportedState | string = await exportStack(root, stackName, backend.env);
  if (typeof current === "string") return undefined;
  const saved = backupPath(root, stackName, new Date(), "before-restore");
  writeBackup(saved, current);
  return saved;
}

/** How many resources the preview would change (the stack's own outputs aside), or why it failed. */
async function previewChanges(root: string, stackName: string): Promise<number | string> {
  const workspace = await openStackWorkspace(root, stackName);
  if (typeof workspace === "string") return workspace;
  try {
    const events: EngineEvent[] = [];
    await retryTruncatedReads(() => {
      events.length = 0;
      return workspace.stack.preview({ onEvent: (e) => events.push(e) });
    });
    return plannedChanges(events).length;
  } catch (e) {
    return explainPulumiError(e, stackName, workspace.backend.url);
  }
}

function fail(out: Out, message: string): number {
  out(`state: ${message}`);
  return 1;
}

async function confirm(question: string): Promise<boolean> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
  const answer = (await rl.question(question)).trim().toLowerCase();
  rl.close();
  return answer === "y" || answer === "yes";
}

if (require.main === module) {
  void state(process.argv.slice(2), process.cwd(), (l) => console.log(l), (l) => console.error(l)).then((code) => (process.exitCode = code));
}
