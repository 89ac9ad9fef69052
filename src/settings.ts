import { error, Problem } from "./problems";
import { readStateSettings, StateSettings } from "./state/stateSettings";

/** A production → test rewrite, e.g. `picasoft.net` → `test.picasoft.net`. */
export interface RewriteRule {
  readonly from: string;
  readonly to: string;
}

/** The two kinds of stack the project knows. */
export type StackKind = "test" | "prod";

/** Prod secret values given with `pulumi config set --secret --path 'secrets["<folder>"]["<file>"].<KEY>'`. */
export type ConfiguredSecrets = Readonly<Record<string, Readonly<Record<string, string | Readonly<Record<string, string>>>>>>;

export interface RegistrySettings {
  readonly server: string;
  readonly username?: string;
  readonly password?: string;
}

/**
 * Snapshots of data volumes taken on their host just before `up` replaces a container that mounts
 * them read-write, into `<directory>/<volume>/`, the newest `keep` kept. On by default on prod.
 */
export interface SnapshotSettings {
  readonly directory: string;
  readonly keep: number;
  /** The throwaway container's image (it runs tar): it must be on the host or pullable. */
  readonly image: string;
}

export const DEFAULT_SNAPSHOT_IMAGE = "debian:bookworm-slim";

/**
 * How long a start-first replacement keeps the old container paused, out of Traefik, before it
 * stops it: Traefik applies a new configuration at most once per providersThrottleDuration (2 s by
 * default), plus a second for it to reload.
 */
export const DEFAULT_HANDOVER_SECONDS = 3;

/** Everything the stack's config says, parsed and checked; see Pulumi.yaml for the keys. */
export interface AdoptedFolder {
  readonly volumes: Readonly<Record<string, string>>;
}

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
  /** Undefined: no snapshots (test stacks unless configured, or `keep: 0`). */
  readonly snapshots?: SnapshotSettings;
  /** Seconds a start-first replacement waits for Traefik to leave the old container out (DEFAULT_HANDOVER_SECONDS). */
  readonly handoverSeconds: number;
  /**
   * Traefik watches this Docker engine from outside it (a binary on the host, another machine): a
   * start-first replacement then always hands over. Otherwise it hands over only when a running
   * container mounts the engine's socket (Traefik, or a socket proxy in front of it).
   */
  readonly traefikOutsideDocker: boolean;
  /**
   * Volumes that existed before the stack (adopted from docker-compose by `npm run adopt`): per folder,
   * compose volume key → the existing volume's name. Written by adopt; see README "Taking over".
   */
  readonly adopted: Readonly<Record<string, AdoptedFolder>>;
  /**
   * The organisation's conventions (README, CHANGELOG, registry naming, pinned tags): errors, or
   * warnings for a plain compose repository. Compose rules stay errors either way.
   */
  readonly conventions: "errors" | "warnings";
  /** Where the stack's state lives (README, "Shared state"). */
  readonly state: StateSettings;
}

export const DEFAULT_REGISTRY = "registry.picasoft.net";

/** What a stack file read without the engine gives for an encrypted value: it exists, unreadable. */
export const ENCRYPTED = "\u0000encrypted";

/** A stack file's raw config values, read with the problems of those that are malformed. */
class ConfigReader {
  readonly problems: Problem[] = [];
  readonly file: string;
  constructor(stack: string, readonly get: (key: string) => string | undefined) {
    this.file = `Pulumi.${stack}.yaml`;
  }
  problem(message: string): void {
    this.problems.push(error(this.file, message));
  }
  json<T>(key: string, fallback: T): T {
    const raw = this.get(key);
    // A whole structured value set with --secret, read without the passphrase (status, restore).
    if (raw === undefined || raw === "" || raw === ENCRYPTED) return fallback;
    try {
      return JSON.parse(raw) as T;
    } catch {
      this.problem(`config key '${key}' must be structured (a list or a mapping), not '${raw.length > 40 ? raw.slice(0, 40) + "…" : raw}'`);
      return fallback;
    }
  }
  /** A whole number of seconds between 1 and `max`. */
  seconds(key: string, fallback: number, max: number, why: string): number {
    const raw = this.get(key);
    if (raw === undefined || raw === "") return fallback;
    if (/^\d+$/.test(raw) && Number(raw) >= 1 && Number(raw) <= max) return Number(raw);
    this.problem(`config key '${key}' must be a whole number of seconds from 1 to ${max} (${why}), not '${raw}'`);
    return fallback;
  }
  bool(key: string, fallback: boolean): boolean {
    const raw = this.get(key);
    if (raw === undefined || raw === "") return fallback;
    if (raw === "true" || raw === "false") return raw === "true";
    this.problem(`config key '${key}' must be true or false, not '${raw}'`);
    return fallback;
  }
  /** A list of items for test stacks only: each item checked, none allowed on prod. */
  testOnlyList<T>(key: string, kind: string | undefined, valid: (item: T) => boolean, shape: string, onProd: string): T[] {
    const list = this.json<T[]>(key, []);
    if (!Array.isArray(list) || list.some((x) => !valid(x))) this.problem(`config key '${key}' must be ${shape}`);
    if (kind === "prod" && Array.isArray(list) && list.length > 0) this.problem(`config key '${key}' is for test stacks only; ${onProd}`);
    return Array.isArray(list) ? list : [];
  }
}

const DOCKER_HOST = /^(unix|tcp|ssh|npipe):\/\/./;

/** Reads the config through `get(key)` (raw strings; objects and lists as JSON). */
export function readSettings(stack: string, get: (key: string) => string | undefined): { settings?: StackSettings; problems: Problem[] } {
  const c = new ConfigReader(stack, get);
  const kind = get("kind") ?? (stack === "test" || stack === "prod" ? stack : undefined);
  if (kind !== "test" && kind !== "prod") {
    c.problem(`config key 'kind' must be 'test' or 'prod' (it defaults to the stack name only for stacks named test or prod); run: pulumi config set kind test`);
  }
  const rewrites = c.testOnlyList<RewriteRule>("rewrites", kind, (r) => typeof r?.from === "string" && typeof r?.to === "string" && r.from !== "",
    "a list of {from, to} strings, e.g. [{from: picasoft.net, to: test.picasoft.net}]", "a prod stack deploys the production URLs as committed");
  const keep = c.testOnlyList<{ name: string; reason: string }>("keepProductionNames", kind, (k) => typeof k?.name === "string" && k.name !== "" && typeof k?.reason === "string" && k.reason.trim() !== "",
    "a list of {name, reason}, each with the reason it must stay, e.g. [{name: smtp.picasoft.net, reason: the upstream mail relay}]", "a prod stack rewrites nothing");
  const only = c.json<string[] | undefined>("services", undefined);
  if (only !== undefined && (!Array.isArray(only) || only.some((s) => typeof s !== "string"))) c.problem("config key 'services' must be a list of service folder names");
  const registry = c.json<Partial<RegistrySettings>>("registry", {});
  const secrets = c.json<ConfiguredSecrets>("secrets", {});
  const settings: StackSettings = {
    stack,
    kind: kind === "prod" ? "prod" : "test",
    servicesDir: get("servicesDir") || "services",
    servicesRef: get("servicesRef") || undefined,
    only: Array.isArray(only) ? only : undefined,
    rewrites,
    keepProductionNames: keep,
    registry: { server: registry.server ?? DEFAULT_REGISTRY, username: registry.username, password: registry.password },
    createExternalNetworks: c.bool("createExternalNetworks", false),
    ...readHosts(c),
    secrets: typeof secrets === "object" && secrets !== null ? secrets : {},
    snapshots: readSnapshots(c, stack, kind),
    handoverSeconds: c.seconds("handoverSeconds", DEFAULT_HANDOVER_SECONDS, 60, "Traefik's providersThrottleDuration plus one"),
    traefikOutsideDocker: c.bool("traefikOutsideDocker", false),
    adopted: readAdopted(c),
    conventions: readConventions(c),
    state: readState(c),
  };
  return c.problems.length > 0 ? { problems: c.problems } : { settings, problems: c.problems };
}

function readAdopted(c: ConfigReader): Readonly<Record<string, AdoptedFolder>> {
  const raw = c.json<Record<string, { volumes?: Record<string, string> }>>("adopted", {});
  const isMap = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);
  const valid = isMap(raw) && Object.values(raw).every((f) => isMap(f) && (f.volumes === undefined || (isMap(f.volumes) && Object.values(f.volumes).every((n) => typeof n === "string" && n !== ""))));
  if (!valid) {
    c.problem("config key 'adopted' must map service folders to {volumes: {<compose volume key>: <existing volume name>}}, as npm run adopt writes it");
    return {};
  }
  return Object.fromEntries(Object.entries(raw).map(([folder, f]) => [folder, { volumes: { ...(f.volumes ?? {}) } }]));
}

function readSnapshots(c: ConfigReader, stack: string, kind: string | undefined): SnapshotSettings | undefined {
  const raw = c.json<Partial<SnapshotSettings> | undefined>("snapshots", undefined);
  if (raw === undefined && kind !== "prod") return undefined;
  const given = raw ?? {};
  const keep = given.keep ?? 5;
  const directory = given.directory ?? `/var/backups/dockerfiles/${stack}`;
  if (typeof given !== "object" || Array.isArray(given) || !Number.isInteger(keep) || keep < 0 || typeof directory !== "string" || !directory.startsWith("/") ||
    (given.image !== undefined && typeof given.image !== "string")) {
    c.problem("config key 'snapshots' must be {directory: an absolute path on the Docker host, keep: how many per volume (0: none), image: an image with tar}, e.g. {directory: /var/backups/dockerfiles/prod, keep: 5}");
    return undefined;
  }
  return keep === 0 ? undefined : { directory: directory.replace(/\/+$/, ""), keep, image: given.image ?? DEFAULT_SNAPSHOT_IMAGE };
}

function readState(c: ConfigReader): StateSettings {
  const { state, problems } = readStateSettings(c.json<unknown>("state", undefined));
  for (const p of problems) c.problem(p);
  return state;
}

function readConventions(c: ConfigReader): StackSettings["conventions"] {
  const raw = c.get("conventions") || "errors";
  if (raw === "errors" || raw === "warnings") return raw;
  c.problem(`config key 'conventions' must be 'errors' (the organisation's repository) or 'warnings' (another compose repository), not '${raw}'`);
  return "errors";
}

function readHosts(c: ConfigReader): Pick<StackSettings, "dockerHost" | "hosts"> {
  const hosts = c.json<Record<string, string>>("hosts", {});
  const hostsIsMap = typeof hosts === "object" && hosts !== null && !Array.isArray(hosts);
  const invalid = (h: unknown): boolean => typeof h !== "string" || !DOCKER_HOST.test(h);
  if (!hostsIsMap || Object.values(hosts).some(invalid)) {
    c.problem("config key 'hosts' must map service folders to Docker hosts such as ssh://deploy@pica01 or unix:///var/run/docker.sock");
  }
  const dockerHost = c.get("dockerHost") || undefined;
  if (dockerHost !== undefined && invalid(dockerHost)) {
    c.problem(`config key 'dockerHost' must be a Docker host such as ssh://deploy@pica01 or unix:///var/run/docker.sock, not '${dockerHost}'`);
  }
  return { dockerHost, hosts: hostsIsMap ? hosts : {} };
}
