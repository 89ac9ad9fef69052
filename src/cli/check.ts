/**
 * `npm run check -- [--stack test|prod] [--root DIR]`: validates every service folder for a stack,
 * as `pulumi up` would, plus the repository's conventions, without Docker or the Pulumi engine.
 * Prints every problem as path:line:col and exits 1 when there is an error.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { planDeployment } from "../pipeline";
import { formatProblem, hasErrors, sortProblems } from "../problems";
import { WorkingTree } from "../read/files";
import { readSettings } from "../settings";

const PROJECT = "dockerfiles";

/** Reads `Pulumi.<stack>.yaml` without the engine; encrypted values are known to exist, not their value. */
export function stackConfigFromFile(root: string, stack: string): (key: string) => string | undefined {
  const file = path.join(root, `Pulumi.${stack}.yaml`);
  const parsed = fs.existsSync(file) ? (YAML.parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null) : null;
  const config: Record<string, unknown> = parsed?.config ?? {};
  const hideSecure = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(hideSecure);
    if (v && typeof v === "object") {
      if ("secure" in v) return "\u0000encrypted";
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, hideSecure(x)]));
    }
    return v;
  };
  return (key) => {
    const v = config[`${PROJECT}:${key}`];
    if (v === undefined) return undefined;
    const shown = hideSecure(v);
    return typeof shown === "string" ? shown : JSON.stringify(shown);
  };
}

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
  const plan = planDeployment({ settings, view: new WorkingTree(root), environment: (n) => process.env[n] }, { forCheck: true });
  const problems = sortProblems(plan.problems);
  for (const p of problems) out(formatProblem(p));
  for (const s of plan.services) {
    const volumes = s.volumes.map((v) => v.name);
    out(`${s.dir}: ${s.containers.length} container(s) (${s.containers.map((c) => c.service).join(", ")}), volume(s): ${volumes.join(", ") || "none"}, image(s) built: ${s.builtImages.map((b) => b.imageName).join(", ") || "none"}`);
    for (const k of s.keys) {
      for (const i of k.ignored) out(`${s.dir}: ${k.scope}.${i.key}: ignored: ${i.reason}`);
      for (const u of k.unsupported) out(`${s.dir}: ${k.scope}.${u}: unsupported`);
    }
  }
  const errors = problems.filter((p) => p.severity === "error").length;
  const warnings = problems.length - errors;
  const ready = new Set(plan.services.map((s) => s.folder));
  const notReady = plan.foldersRead.filter((f) => !ready.has(f));
  out(`check (${stack} stack): ${plan.foldersRead.length} service folder(s) read, ${ready.size} ready to deploy` +
    `${notReady.length > 0 ? `, ${notReady.length} with errors (${notReady.join(", ")})` : ""}; ${errors} error(s), ${warnings} warning(s)`);
  return hasErrors(problems) ? 1 : 0;
}

if (require.main === module) {
  process.exitCode = runCheck(process.argv.slice(2), (l) => console.log(l));
}
