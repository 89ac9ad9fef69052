/**
 * `npm run check -- [--stack test|prod] [--root DIR]`: validates every service folder for a stack,
 * as `pulumi up` would, plus the repository's conventions, without Docker or the Pulumi engine.
 * Prints every problem as path:line:col and exits 1 when there is an error.
 */
import * as path from "node:path";
import { planDeployment } from "../pipeline";
import { formatProblem, hasErrors, sortProblems } from "../problems";
import { WorkingTree } from "../read/files";
import { prodStacksIn, stackConfigFromFile } from "../read/stackFile";
import { readSettings } from "../settings";
import { stackBackend } from "../state/backend";

export function runCheck(argv: string[], out: (line: string) => void): number {
  let stack = "test";
  let root = process.cwd();
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--stack") stack = argv[++i];
    else if (argv[i] === "--root") root = path.resolve(argv[++i]);
    else {
      out(`usage: npm run check -- [--stack test|prod] [--root DIR]   (unknown argument '${argv[i]}')`);
      return 2;
    }
  }
  const { settings, problems: settingsProblems } = readSettings(stack, stackConfigFromFile(root, stack));
  if (!settings) {
    settingsProblems.forEach((p) => out(formatProblem(p)));
    return 1;
  }
  const plan = planDeployment({ settings, view: new WorkingTree(root), environment: (n) => process.env[n], prodStacks: prodStacksIn(root) }, { forCheck: true });
  const problems = sortProblems([...plan.problems, ...stackBackend(root, settings, (n) => process.env[n]).problems]);
  for (const p of problems) out(formatProblem(p));
  for (const s of plan.services) {
    const volumes = s.volumes.map((v) => v.name);
    out(`${s.dir}: ${s.containers.length} container(s) (${s.containers.map((c) => c.service).join(", ")}), volume(s): ${volumes.join(", ") || "none"}, image(s) built: ${s.builtImages.map((b) => b.imageName).join(", ") || "none"}`);
    const rewritten = Object.entries(s.rewrites).map(([what, n]) => `${what} ${n}`);
    if (rewritten.length > 0) out(`${s.dir}: production names rewritten for ${stack}: ${rewritten.join(", ")}`);
    for (const k of s.keys) {
      for (const i of k.ignored) out(`${s.dir}: ${k.scope}.${i.key}: ignored: ${i.reason}`);
      for (const u of k.unsupported) out(`${s.dir}: ${k.scope}.${u}: unsupported`);
    }
  }
  const errors = problems.filter((p) => p.severity === "error").length;
  const warnings = problems.length - errors;
  if (settings.kind === "test") {
    const left = problems.filter((p) => p.severity === "error" && p.message.includes("production name"));
    out(left.length === 0 ? `0 production names left on the ${stack} stack` : `${left.length} production name(s) left on the ${stack} stack (listed above)`);
  }
  const ready = new Set(plan.services.map((s) => s.folder));
  const notReady = plan.foldersRead.filter((f) => !ready.has(f));
  out(`check (${stack} stack): ${plan.foldersRead.length} service folder(s) read, ${ready.size} ready to deploy` +
    `${notReady.length > 0 ? `, ${notReady.length} with errors (${notReady.join(", ")})` : ""}; ${errors} error(s), ${warnings} warning(s)`);
  return hasErrors(problems) ? 1 : 0;
}

if (require.main === module) {
  process.exitCode = runCheck(process.argv.slice(2), (l) => console.log(l));
}
