import { Problem, warning } from "../problems";
import { ServiceFolder } from "../read/serviceFolders";
import { ComposeDocument, ComposePath } from "./composeDocument";
import { NETWORK_KEYS, SECRET_KEYS, TOP_LEVEL_KEYS, VOLUME_KEYS } from "./composeKeys";
import { ComposeReader } from "./composeReader";
export { parseMount, parsePort } from "./portsAndMounts";
import { Declared, readService } from "./composeService";
import { constraintProblems } from "./constraints";
import { ContainerSettings } from "./containerSettings";
import { dependencyCycleProblems } from "./dependsOn";
import { isObj, Obj, str, stringMap, toBool } from "./values";

/** Where a value came from in the compose file, for later stages' messages. */
export interface Located {
  readonly path: ComposePath;
}

export interface BuildDefinition {
  /** Repository-relative build context. */
  readonly context: string;
  /** Repository-relative Dockerfile path. */
  readonly dockerfile: string;
  readonly args: Readonly<Record<string, string>>;
  readonly target?: string;
}

export interface EnvironmentEntry extends Located {
  readonly name: string;
  /** Undefined: taken from the environment of the machine running the program (compose's `- NAME`). */
  readonly value?: string;
}

export interface EnvFileReference extends Located {
  /** Repository-relative path, as written (e.g. `services/pica-pad/secrets/db.secrets`). */
  readonly file: string;
  readonly required: boolean;
}

export interface PortMapping {
  readonly target: number;
  readonly published?: number;
  readonly hostIp?: string;
  readonly protocol: "tcp" | "udp" | "sctp";
  /** Where it is written (set once parsed from a service). */
  readonly path?: ComposePath;
}

export type Mount =
  | { readonly type: "volume"; readonly source?: string; readonly target: string; readonly readOnly: boolean; readonly path: ComposePath }
  | { readonly type: "bind"; readonly source: string; readonly target: string; readonly readOnly: boolean; readonly path: ComposePath; readonly inFolder: boolean }
  | { readonly type: "tmpfs"; readonly target: string; readonly readOnly: boolean; readonly path: ComposePath; readonly options?: string };

export interface NetworkAttachment {
  readonly network: string;
  readonly aliases: readonly string[];
  readonly ipv4Address?: string;
  readonly ipv6Address?: string;
}

export interface Healthcheck {
  readonly test: readonly string[];
  /** Durations in milliseconds. */
  readonly intervalMs?: number;
  readonly timeoutMs?: number;
  readonly startPeriodMs?: number;
  readonly retries?: number;
}

export interface ServiceDefinition extends Located {
  readonly name: string;
  readonly image?: string;
  readonly build?: BuildDefinition;
  readonly containerName?: string;
  readonly environment: readonly EnvironmentEntry[];
  readonly envFiles: readonly EnvFileReference[];
  readonly labels: Readonly<Record<string, string>>;
  readonly ports: readonly PortMapping[];
  readonly mounts: readonly Mount[];
  readonly networks: readonly NetworkAttachment[];
  readonly networkMode?: "host" | "none" | "bridge";
  /** `disabled`: the image's HEALTHCHECK is switched off. */
  readonly healthcheck?: Healthcheck | "disabled";
  readonly tmpfs: readonly string[];
  readonly dependsOn: readonly { readonly service: string; readonly condition: "service_started" | "service_healthy" | "service_completed_successfully" }[];
  readonly secrets: readonly (Located & { readonly source: string; readonly target: string })[];
  /** What the stack never changes (command, restart, limits…): one model, see containerSettings.ts. */
  readonly settings: ContainerSettings;
  /** compose's `deploy.update_config.order`, when written. */
  readonly updateOrder?: { readonly order: "start-first" | "stop-first"; readonly path: ComposePath };
}

/** A network's IP address management: compose's `ipam`, as the docker provider takes it. */
export interface NetworkIpam {
  readonly driver?: string;
  readonly options?: Readonly<Record<string, string>>;
  readonly configs: readonly { readonly subnet?: string; readonly ipRange?: string; readonly gateway?: string; readonly auxAddress?: Readonly<Record<string, string>> }[];
}

export interface NetworkDefinition {
  readonly key: string;
  /** Docker name: `name:` or `<project>_<key>` as compose does. */
  readonly name: string;
  readonly external: boolean;
  readonly driver?: string;
  readonly driverOpts: Readonly<Record<string, string>>;
  readonly internal?: boolean;
  readonly attachable?: boolean;
  readonly ipv6?: boolean;
  readonly ipam?: NetworkIpam;
  readonly labels: Readonly<Record<string, string>>;
}

export interface VolumeDefinition {
  readonly key: string;
  readonly name: string;
  readonly external: boolean;
  readonly driver?: string;
  readonly driverOpts: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
}

export interface SecretDefinition extends Located {
  readonly key: string;
  /** Repository-relative file, or the environment variable holding the value. */
  readonly source: { readonly file: string } | { readonly environment: string };
}

export interface KeyReport {
  /** `(top level)`, `services.<name>`, `networks.<name>`… */
  readonly scope: string;
  readonly mapped: readonly string[];
  readonly ignored: readonly { readonly key: string; readonly reason: string }[];
  readonly unsupported: readonly string[];
}

export interface ComposeProject {
  readonly folder: ServiceFolder;
  readonly document: ComposeDocument;
  readonly projectName: string;
  readonly services: readonly ServiceDefinition[];
  readonly networks: readonly NetworkDefinition[];
  readonly volumes: readonly VolumeDefinition[];
  readonly secrets: readonly SecretDefinition[];
  readonly keys: readonly KeyReport[];
}

/**
 * Stage "validate": a schema-valid compose document → typed, normalised service definitions, every
 * compose key accounted for. Paths are made repository-relative; nothing is read from disk here.
 */
export function buildComposeProject(folder: ServiceFolder, document: ComposeDocument): { project: ComposeProject; problems: Problem[] } {
  const r = new ComposeReader(folder, document);
  const data = document.data;
  r.account("(top level)", [], data, TOP_LEVEL_KEYS);
  const projectName = typeof data.name === "string" && data.name !== "" ? data.name : folder.name;
  const networks = readNetworks(r, data, projectName);
  const volumes = readVolumes(r, data, projectName);
  const secrets = readSecrets(r, data);
  const servicesData = isObj(data.services) ? data.services : {};
  if (Object.keys(servicesData).length === 0) r.fail([], "the compose file declares no services");
  const declared: Declared = {
    services: new Set(Object.keys(servicesData)),
    networks: new Set(networks.map((n) => n.key)),
    volumes: new Set(volumes.map((v) => v.key)),
    secrets: new Set(secrets.map((s) => s.key)),
  };
  const services = Object.entries(servicesData).map(([name, raw]) => readService(r, name, raw, declared));

  if (services.some((s) => s.networks.some((a) => a.network === "default")) && !declared.networks.has("default")) {
    networks.push({ key: "default", name: `${projectName}_default`, external: false, driverOpts: {}, labels: {} });
  }
  for (const n of networks) {
    if (n.key !== "default" && !n.external && !services.some((s) => s.networks.some((a) => a.network === n.key))) {
      r.problems.push(warning(r.file, `networks.${n.key} is declared but no service joins it; it is created anyway`, document.locate(["networks", n.key])));
    }
  }
  r.problems.push(...dependencyCycleProblems(services, document), ...constraintProblems(document));

  // The project is returned even with errors (what was invalid is left out of it), so that the next
  // stage can report its own problems too: the user sees every problem of the folder at once.
  return { project: { folder, document, projectName, services, networks, volumes, secrets, keys: r.keys }, problems: r.problems };
}

/** `name:`, the legacy `external: {name: …}`, the key itself for an external one, else `<project>_<key>` as compose names it. */
function dockerName(key: string, o: Obj, projectName: string): { name: string; external: boolean } {
  const external = toBool(isObj(o.external) ? true : o.external) ?? false;
  // The legacy form names the network or volume: using the key's name instead would start a
  // service on an empty volume.
  const externalName = isObj(o.external) && typeof o.external.name === "string" ? o.external.name : undefined;
  return { name: str(o.name) || externalName || (external ? key : `${projectName}_${key}`), external };
}

function readNetworks(r: ComposeReader, data: Obj, projectName: string): NetworkDefinition[] {
  return Object.entries(isObj(data.networks) ? data.networks : {}).map(([key, raw]) => {
    const n = isObj(raw) ? raw : {};
    r.account(`networks.${key}`, ["networks", key], n, NETWORK_KEYS);
    return {
      key,
      ...dockerName(key, n, projectName),
      driver: n.driver === undefined ? undefined : str(n.driver),
      driverOpts: stringMap(n.driver_opts),
      internal: toBool(n.internal),
      attachable: toBool(n.attachable),
      ipv6: toBool(n.enable_ipv6),
      ipam: isObj(n.ipam) ? readIpam(n.ipam) : undefined,
      labels: stringMap(n.labels),
    };
  });
}

function readVolumes(r: ComposeReader, data: Obj, projectName: string): VolumeDefinition[] {
  return Object.entries(isObj(data.volumes) ? data.volumes : {}).map(([key, raw]) => {
    const v = isObj(raw) ? raw : {};
    r.account(`volumes.${key}`, ["volumes", key], v, VOLUME_KEYS);
    return { key, ...dockerName(key, v, projectName), driver: v.driver === undefined ? undefined : str(v.driver), driverOpts: stringMap(v.driver_opts), labels: stringMap(v.labels) };
  });
}

function readSecrets(r: ComposeReader, data: Obj): SecretDefinition[] {
  const secrets: SecretDefinition[] = [];
  for (const [key, raw] of Object.entries(isObj(data.secrets) ? data.secrets : {})) {
    const s = isObj(raw) ? raw : {};
    const path = ["secrets", key];
    r.account(`secrets.${key}`, path, s, SECRET_KEYS);
    if (typeof s.file === "string") secrets.push({ key, path, source: { file: r.inFolder(s.file) } });
    else if (typeof s.environment === "string") secrets.push({ key, path, source: { environment: s.environment } });
    else r.fail(path, `secrets.${key}: only 'file:' and 'environment:' secrets can be delivered; give a file such as ./secrets/${key}.secret`);
  }
  return secrets;
}

function readIpam(ipam: Obj): NetworkIpam {
  const configs = (Array.isArray(ipam.config) ? ipam.config : []).filter(isObj).map((c) => ({
    subnet: c.subnet === undefined ? undefined : str(c.subnet),
    ipRange: c.ip_range === undefined ? undefined : str(c.ip_range),
    gateway: c.gateway === undefined ? undefined : str(c.gateway),
    auxAddress: isObj(c.aux_addresses) ? stringMap(c.aux_addresses) : undefined,
  }));
  return { driver: ipam.driver === undefined ? undefined : str(ipam.driver), options: isObj(ipam.options) ? stringMap(ipam.options) : undefined, configs };
}
