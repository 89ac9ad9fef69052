import { error, Problem } from "./problems";
import { RewriteRule } from "./environment/rewrite";

/** The two kinds of stack the project knows. */
export type StackKind = "test" | "prod";

/** Prod secret values given with `pulumi config set --secret --path 'secrets["<folder>"]["<file>"].<KEY>'`. */
export type ConfiguredSecrets = Readonly<Record<string, Readonly<Record<string, string | Readonly<Record<string, string>>>>>>;

export interface RegistrySettings {
  readonly server: string;
  readonly username?: string;
  readonly password?: string;
}

/** Everything the stack's config says, parsed and checked; see Pulumi.yaml for the keys. */
export interface StackSettings {
  readonly stack: string;
  readonly kind: StackKind;
  readonly servicesDir: string;
  /** Git revision (commit, tag, branch) to deploy instead of the working tree. */
  readonly servicesRef?: string;
  readonly only?: readonly string[];
  readonly rewrites: readonly RewriteRule[];
  /** Test stacks: production names that must stay as they are (an upstream mail relay…), each with why. */
  readonly keepProductionNames: readonly { readonly name: string; readonly reason: string }[];
  readonly registry: RegistrySettings;
  readonly createExternalNetworks: boolean;
  readonly dockerHost?: string;
  /** Docker host per service folder (`ssh://deploy@pica02`); others use `dockerHost`. */
  readonly hosts: Readonly<Record<string, string>>;
  readonly secrets: ConfiguredSecrets;
}

export const DEFAULT_REGISTRY = "registry.picasoft.net";

/** Reads the config through `get(key)` (raw strings; objects and lists as JSON). */
export function readSettings(stack: string, get: (key: string) => string | undefined): { settings?: StackSettings; problems: Problem[] } {
  const problems: Problem[] = [];
  const file = `Pulumi.${stack}.yaml`;
  const json = <T>(key: string, fallback: T): T => {
    const raw = get(key);
    if (raw === undefined || raw === "") return fallback;
    try {
      return JSON.parse(raw) as T;
    } catch {
      problems.push(error(file, `config key '${key}' must be structured (a list or a mapping), not '${raw.length > 40 ? raw.slice(0, 40) + "…" : raw}'`));
      return fallback;
    }
  };
  const kindRaw = get("kind") ?? (stack === "test" || stack === "prod" ? stack : undefined);
  if (kindRaw !== "test" && kindRaw !== "prod") {
    problems.push(error(file, `config key 'kind' must be 'test' or 'prod' (it defaults to the stack name only for stacks named test or prod); run: pulumi config set kind test`));
  }
  const rewrites = json<RewriteRule[]>("rewrites", []);
  if (!Array.isArray(rewrites) || rewrites.some((r) => typeof r?.from !== "string" || typeof r?.to !== "string" || r.from === "")) {
    problems.push(error(file, "config key 'rewrites' must be a list of {from, to} strings, e.g. [{from: picasoft.net, to: test.picasoft.net}]"));
  }
  if (kindRaw === "prod" && Array.isArray(rewrites) && rewrites.length > 0) {
    problems.push(error(file, "config key 'rewrites' is for test stacks only; a prod stack deploys the production URLs as committed"));
  }
  const keep = json<{ name: string; reason: string }[]>("keepProductionNames", []);
  if (!Array.isArray(keep) || keep.some((k) => typeof k?.name !== "string" || k.name === "" || typeof k?.reason !== "string" || k.reason.trim() === "")) {
    problems.push(error(file, "config key 'keepProductionNames' must be a list of {name, reason}, each with the reason it must stay, e.g. [{name: smtp.picasoft.net, reason: the upstream mail relay}]"));
  }
  if (kindRaw === "prod" && Array.isArray(keep) && keep.length > 0) {
    problems.push(error(file, "config key 'keepProductionNames' is for test stacks only; a prod stack rewrites nothing"));
  }
  const only = json<string[] | undefined>("services", undefined);
  if (only !== undefined && (!Array.isArray(only) || only.some((s) => typeof s !== "string"))) {
    problems.push(error(file, "config key 'services' must be a list of service folder names"));
  }
  const registry = json<Partial<RegistrySettings>>("registry", {});
  const bool = (key: string, fallback: boolean): boolean => {
    const raw = get(key);
    if (raw === undefined || raw === "") return fallback;
    if (raw === "true" || raw === "false") return raw === "true";
    problems.push(error(file, `config key '${key}' must be true or false, not '${raw}'`));
    return fallback;
  };
  const secrets = json<ConfiguredSecrets>("secrets", {});
  const hosts = json<Record<string, string>>("hosts", {});
  const hostsIsMap = typeof hosts === "object" && hosts !== null && !Array.isArray(hosts);
  const hostProblem = (h: unknown): boolean => typeof h !== "string" || !/^(unix|tcp|ssh|npipe):\/\/./.test(h);
  if (!hostsIsMap || Object.values(hosts).some(hostProblem)) {
    problems.push(error(file, "config key 'hosts' must map service folders to Docker hosts such as ssh://deploy@pica01 or unix:///var/run/docker.sock"));
  }
  const dockerHost = get("dockerHost") || undefined;
  if (dockerHost !== undefined && hostProblem(dockerHost)) {
    problems.push(error(file, `config key 'dockerHost' must be a Docker host such as ssh://deploy@pica01 or unix:///var/run/docker.sock, not '${dockerHost}'`));
  }
  const settings: StackSettings = {
    stack,
    kind: kindRaw === "prod" ? "prod" : "test",
    servicesDir: get("servicesDir") || "services",
    servicesRef: get("servicesRef") || undefined,
    only: Array.isArray(only) ? only : undefined,
    rewrites: Array.isArray(rewrites) ? rewrites : [],
    keepProductionNames: Array.isArray(keep) ? keep : [],
    registry: { server: registry.server ?? DEFAULT_REGISTRY, username: registry.username, password: registry.password },
    createExternalNetworks: bool("createExternalNetworks", false),
    dockerHost,
    hosts: hostsIsMap ? hosts : {},
    secrets: typeof secrets === "object" && secrets !== null ? secrets : {},
  };
  return problems.length > 0 ? { problems } : { settings, problems };
}
