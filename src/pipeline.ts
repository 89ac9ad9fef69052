import { DeploymentPlan, ServicePlan } from "./environment/plan";
import { planService, StackContext } from "./environment/applyStack";
import { testHostProblems, unusedKeepProblems } from "./environment/testIsolation";
import { error, formatProblem, hasErrors, Problem, warning } from "./problems";
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
  const plans: { plan: ServicePlan; project: ComposeProject }[] = [];
  for (const folder of discovered.folders) {
    const loaded = loadService(folder, ctx.environment);
    problems.push(...loaded.problems);
    if (!loaded.project) continue;
    const conventions = checkConventions(loaded.project, settings.registry.server);
    const asErrors = opts.forCheck && settings.conventions === "errors";
    problems.push(...(asErrors ? conventions : conventions.map((p) => warning(p.file, p.message, p.line === undefined ? undefined : { line: p.line, column: p.column ?? 1 }))));
    const planned = planService(loaded.project, ctx);
    problems.push(...planned.problems);
    // A folder with any error is reported, never deployed.
    if (planned.plan && !hasErrors(loaded.problems)) plans.push({ plan: planned.plan, project: loaded.project });
  }
  problems.push(...crossServiceProblems(plans));
  const planned = plans.map((p) => p.plan);
  problems.push(...testHostProblems(settings, ctx.prodStacks ?? []), ...unusedKeepProblems(settings, planned.flatMap((p) => p.containers), planned.flatMap((p) => p.builtImages)));
  for (const folder of Object.keys(settings.hosts)) {
    if (view.kind(joinPath(settings.servicesDir, folder)) !== "dir") {
      problems.push({ file: `Pulumi.${settings.stack}.yaml`, severity: "error", message: `config key 'hosts' names '${folder}', which is not a service folder of ${settings.servicesDir}` });
    }
  }
  // Two services sharing one env file would report its problems twice.
  const unique = [...new Map(problems.map((p) => [formatProblem(p), p])).values()];
  return { stack: settings.stack, kind: settings.kind, services: planned, foldersRead: discovered.folders.map((f) => f.name), createExternalNetworks: settings.createExternalNetworks, snapshots: settings.snapshots, problems: unique };
}

const WILDCARDS = new Set(["0.0.0.0", "::", ""]);

/**
 * Names Docker needs unique on each machine: container names and published host ports. A conflict is
 * reported at the line of the second one, naming the first.
 */
function crossServiceProblems(plans: readonly { plan: ServicePlan; project: ComposeProject }[]): Problem[] {
  const problems: Problem[] = [];
  const names = new Map<string, string>();
  // `<host> <port>/<protocol>` → the addresses it is published on, and by whom.
  const ports = new Map<string, { ip: string; who: string }[]>();
  for (const { plan: s, project } of plans) {
    const host = s.host ?? "the default Docker host";
    const doc = project.document;
    for (const c of s.containers) {
      const svc = project.services.find((x) => x.name === c.service)!;
      const who = `${s.folder}/${c.service} (${doc.file})`;
      const nameOnHost = `${host} ${c.name}`;
      const other = names.get(nameOnHost);
      if (other) problems.push(error(doc.file, `container name '${c.name}' of ${s.folder}/${c.service} is already used by ${other} on ${host}; change container_name`, doc.locate([...svc.path, "container_name"])));
      else names.set(nameOnHost, who);
      for (const p of svc.ports) {
        if (p.published === undefined) continue;
        const ip = p.hostIp ?? "0.0.0.0";
        const portOnHost = `${host} ${p.published}/${p.protocol}`;
        const published = ports.get(portOnHost) ?? [];
        // An address taken twice, or all addresses (0.0.0.0) and one of them: Docker refuses both.
        const taken = published.find((x) => x.ip === ip || WILDCARDS.has(x.ip) || WILDCARDS.has(ip));
        if (taken) {
          problems.push(error(doc.file, `host port ${ip}:${p.published}/${p.protocol} of ${s.folder}/${c.service} is already published by ${taken.who} (on ${taken.ip}) on ${host}; publish another port`, doc.locate(p.path ?? svc.path)));
        } else ports.set(portOnHost, [...published, { ip, who }]);
      }
    }
  }
  return problems;
}
