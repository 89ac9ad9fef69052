import { DeploymentPlan, ServicePlan } from "./environment/plan";
import { planService, StackContext } from "./environment/applyStack";
import { formatProblem, hasErrors, Problem, warning } from "./problems";
import { joinPath } from "./read/files";
import { discoverServiceFolders, ServiceFolder } from "./read/serviceFolders";
import { loadComposeDocument } from "./validate/composeDocument";
import { buildComposeProject, ComposeProject } from "./validate/composeProject";
import { checkConventions } from "./validate/conventions";
import { envFileProblems, parseEnvFile } from "./validate/envFile";
import { Lookup } from "./validate/interpolate";

/**
 * The pure pipeline: service folders → parsed, validated compose projects → the stack's environment
 * applied. No Pulumi here; `declare/` is the only edge.
 */
export function loadService(folder: ServiceFolder, environment: Lookup): { project?: ComposeProject; problems: Problem[] } {
  const problems: Problem[] = [];
  // Compose's variable sources: the environment first, then the folder's .env.
  const dotenv = new Map<string, string>();
  if (folder.dotenv) {
    const parsed = parseEnvFile(folder.dotenv.text, environment);
    problems.push(...envFileProblems(folder.dotenv.file, parsed.problems));
    for (const e of parsed.entries) dotenv.set(e.name, e.value);
  }
  const variables: Lookup = (name) => environment(name) ?? dotenv.get(name);
  const loaded = loadComposeDocument(folder.composeFile, folder.composeText, variables);
  problems.push(...loaded.problems);
  if (!loaded.document || loaded.problems.some((p) => p.severity === "error")) return { problems };
  const built = buildComposeProject(folder, loaded.document);
  problems.push(...built.problems);
  return { project: built.project, problems };
}

export interface PlanOptions {
  /** `check` validates the template folder too and reports conventions as errors. */
  readonly forCheck?: boolean;
}

export function planDeployment(ctx: StackContext, opts: PlanOptions = {}): DeploymentPlan {
  const { settings, view } = ctx;
  const problems: Problem[] = [];
  const discovered = discoverServiceFolders(view, { servicesDir: settings.servicesDir, only: settings.only, includeTemplate: opts.forCheck && settings.kind === "test" });
  problems.push(...discovered.problems);
  const services: ServicePlan[] = [];
  for (const folder of discovered.folders) {
    const loaded = loadService(folder, ctx.environment);
    problems.push(...loaded.problems);
    if (!loaded.project) continue;
    const conventions = checkConventions(loaded.project, view, settings.registry.server);
    problems.push(...(opts.forCheck ? conventions : conventions.map((p) => warning(p.file, p.message, p.line === undefined ? undefined : { line: p.line, column: p.column ?? 1 }))));
    const planned = planService(loaded.project, ctx);
    problems.push(...planned.problems);
    // A folder with any error is reported, never deployed.
    if (planned.plan && !hasErrors(loaded.problems)) services.push(planned.plan);
  }
  problems.push(...crossServiceProblems(services));
  for (const folder of Object.keys(settings.hosts)) {
    if (view.kind(joinPath(settings.servicesDir, folder)) !== "dir") {
      problems.push({ file: `Pulumi.${settings.stack}.yaml`, severity: "error", message: `config key 'hosts' names '${folder}', which is not a service folder of ${settings.servicesDir}` });
    }
  }
  // Two services sharing one env file would report its problems twice.
  const unique = [...new Map(problems.map((p) => [formatProblem(p), p])).values()];
  return { stack: settings.stack, kind: settings.kind, services, createExternalNetworks: settings.createExternalNetworks, problems: unique };
}

/** Names Docker needs unique on each machine: container names and published host ports. */
function crossServiceProblems(services: readonly ServicePlan[]): Problem[] {
  const problems: Problem[] = [];
  const names = new Map<string, string>();
  const ports = new Map<string, string>();
  for (const s of services) {
    const host = s.host ?? "the default Docker host";
    for (const c of s.containers) {
      const who = `${s.folder}/${c.service}`;
      const nameOnHost = `${host} ${c.name}`;
      const other = names.get(nameOnHost);
      if (other) problems.push({ file: s.dir, severity: "error", message: `container name '${c.name}' of ${who} is already used by ${other} on ${host}; change container_name` });
      names.set(nameOnHost, who);
      for (const p of c.ports) {
        if (p.external === undefined) continue;
        const key = `${p.ip}:${p.external}/${p.protocol}`;
        const portOnHost = `${host} ${key}`;
        const taken = ports.get(portOnHost);
        if (taken) problems.push({ file: s.dir, severity: "error", message: `host port ${key} of ${who} is already published by ${taken} on ${host}` });
        ports.set(portOnHost, who);
      }
    }
  }
  return problems;
}
