import { error, Problem, warning } from "../problems";
import { joinPath } from "../read/files";
import { ServiceFolder } from "../read/serviceFolders";
import { ComposeDocument, ComposePath } from "./composeDocument";
import {
  BUILD_KEYS,
  KeyTreatment,
  NETWORK_KEYS,
  SECRET_KEYS,
  SERVICE_KEYS,
  TOP_LEVEL_KEYS,
  VOLUME_KEYS,
} from "./composeKeys";
import { parseDuration } from "./durations";
import { ContainerSettings, readContainerSettings } from "./containerSettings";
import { isObj, listOrDict, Obj, str, stringList, stringMap, toBool } from "./values";
import { constraintProblems } from "./constraints";
import { dependencyCycleProblems } from "./dependsOn";

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
  | { readonly type: "tmpfs"; readonly target: string; readonly readOnly: boolean; readonly path: ComposePath };

export interface NetworkAttachment {
  readonly network: string;
  readonly aliases: readonly string[];
  readonly ipv4Address?: string;
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
  const problems: Problem[] = [];
  const file = document.file;
  const data = document.data;
  const fail = (path: ComposePath, message: string): void => {
    problems.push(error(file, message, document.locate(path)));
  };
  const keys: KeyReport[] = [];
  const account = (scope: string, path: ComposePath, obj: Obj, table: Record<string, KeyTreatment>): void => {
    const report = { scope, mapped: [] as string[], ignored: [] as { key: string; reason: string }[], unsupported: [] as string[] };
    for (const key of Object.keys(obj)) {
      if (key.startsWith("x-")) continue;
      const t = table[key];
      if (t?.status === "mapped") report.mapped.push(key);
      else if (t?.status === "ignored") report.ignored.push({ key, reason: t.reason });
      else if (t?.status === "refused") {
        report.unsupported.push(key);
        problems.push(error(file, `${scope}: the key '${key}' is not supported: ${t.reason}`, document.locateKey(path, key)));
      } else {
        report.unsupported.push(key);
        problems.push(error(file, `${scope}: the key '${key}' is not supported by this program; remove it or map it in src/validate/composeKeys.ts (deploying without it would run something else than docker-compose does)`, document.locateKey(path, key)));
      }
    }
    keys.push(report);
  };

  account("(top level)", [], data, TOP_LEVEL_KEYS);
  const projectName = typeof data.name === "string" && data.name !== "" ? data.name : folder.name;
  const inFolder = (p: string): string => joinPath(folder.dir, p);

  const networks: NetworkDefinition[] = [];
  const networksData = isObj(data.networks) ? data.networks : {};
  for (const [key, raw] of Object.entries(networksData)) {
    const n = isObj(raw) ? raw : {};
    account(`networks.${key}`, ["networks", key], n, NETWORK_KEYS);
    const external = toBool(isObj(n.external) ? true : n.external) ?? false;
    const externalName = isObj(n.external) && typeof n.external.name === "string" ? n.external.name : undefined;
    networks.push({
      key,
      name: str(n.name) || externalName || (external ? key : `${projectName}_${key}`),
      external,
      driver: n.driver === undefined ? undefined : str(n.driver),
      driverOpts: stringMap(n.driver_opts),
      internal: toBool(n.internal),
      attachable: toBool(n.attachable),
      ipv6: toBool(n.enable_ipv6),
      ipam: isObj(n.ipam) ? readIpam(n.ipam) : undefined,
      labels: stringMap(n.labels),
    });
  }

  const volumes: VolumeDefinition[] = [];
  const volumesData = isObj(data.volumes) ? data.volumes : {};
  for (const [key, raw] of Object.entries(volumesData)) {
    const v = isObj(raw) ? raw : {};
    account(`volumes.${key}`, ["volumes", key], v, VOLUME_KEYS);
    const external = toBool(isObj(v.external) ? true : v.external) ?? false;
    // The legacy form `external: {name: real-name}` names the volume, as for networks: mounting the
    // key's name instead would start the service on an empty volume.
    const externalName = isObj(v.external) && typeof v.external.name === "string" ? v.external.name : undefined;
    volumes.push({
      key,
      name: str(v.name) || externalName || (external ? key : `${projectName}_${key}`),
      external,
      driver: v.driver === undefined ? undefined : str(v.driver),
      driverOpts: stringMap(v.driver_opts),
      labels: stringMap(v.labels),
    });
  }

  const secrets: SecretDefinition[] = [];
  const secretsData = isObj(data.secrets) ? data.secrets : {};
  for (const [key, raw] of Object.entries(secretsData)) {
    const s = isObj(raw) ? raw : {};
    const path = ["secrets", key];
    account(`secrets.${key}`, path, s, SECRET_KEYS);
    if (typeof s.file === "string") secrets.push({ key, path, source: { file: inFolder(s.file) } });
    else if (typeof s.environment === "string") secrets.push({ key, path, source: { environment: s.environment } });
    else fail(path, `secrets.${key}: only 'file:' and 'environment:' secrets can be delivered; give a file such as ./secrets/${key}.secret`);
  }

  const services: ServiceDefinition[] = [];
  const servicesData = isObj(data.services) ? data.services : {};
  if (Object.keys(servicesData).length === 0) fail([], "the compose file declares no services");
  const networkKeys = new Set(networks.map((n) => n.key));
  const volumeKeys = new Set(volumes.map((v) => v.key));
  const secretKeys = new Set(secrets.map((s) => s.key));
  let usesDefaultNetwork = false;

  for (const [name, raw] of Object.entries(servicesData)) {
    const s = isObj(raw) ? raw : {};
    const at = (...rest: (string | number)[]): ComposePath => ["services", name, ...rest];
    const scope = `services.${name}`;
    account(scope, at(), s, SERVICE_KEYS);

    let build: BuildDefinition | undefined;
    if (s.build !== undefined) {
      const b = isObj(s.build) ? s.build : { context: s.build };
      if (isObj(s.build)) account(`${scope}.build`, at("build"), b, BUILD_KEYS);
      const context = str(b.context ?? ".");
      if (/^(https?:\/\/|git@|git:\/\/|github\.com\/)/.test(context) || context.endsWith(".git")) {
        fail(at("build", "context"), `${scope}.build: a git URL build context ('${context}') cannot be built by the Docker provider; vendor the sources into the folder or build the image elsewhere and reference it by tag`);
      }
      const contextDir = inFolder(context);
      build = {
        context: contextDir,
        dockerfile: joinPath(contextDir, str(b.dockerfile ?? "Dockerfile")),
        args: Object.fromEntries(listOrDict(b.args).map(([k, v]) => [k, v ?? ""])),
        target: b.target === undefined ? undefined : str(b.target),
      };
      if (s.image === undefined) fail(at("build"), `${scope}: a home-built image needs an 'image:' with the registry name and a precise tag, e.g. registry.picasoft.net/${name}:1.0.0`);
    } else if (s.image === undefined) {
      fail(at(), `${scope}: neither 'image' nor 'build' is set`);
    }

    const environment: EnvironmentEntry[] = listOrDict(s.environment).map(([k, v, i]) => ({ name: k, value: v, path: at("environment", i) }));

    const envFiles: EnvFileReference[] = [];
    const envFileList = s.env_file === undefined ? [] : Array.isArray(s.env_file) ? s.env_file : [s.env_file];
    envFileList.forEach((e, i) => {
      const p = isObj(e) ? str(e.path) : str(e);
      envFiles.push({ file: inFolder(p), required: isObj(e) ? (toBool(e.required) ?? true) : true, path: at("env_file", ...(Array.isArray(s.env_file) ? [i] : [])) });
    });

    const ports: PortMapping[] = [];
    (Array.isArray(s.ports) ? s.ports : []).forEach((p, i) => {
      const parsed = parsePort(p);
      if (typeof parsed === "string") fail(at("ports", i), `${scope}.ports[${i}]: ${parsed}`);
      else ports.push(...parsed.map((m) => ({ ...m, path: at("ports", i) })));
    });

    const mounts: Mount[] = [];
    (Array.isArray(s.volumes) ? s.volumes : []).forEach((v, i) => {
      const path = at("volumes", i);
      const m = parseMount(v, path, inFolder);
      if (typeof m === "string") return fail(path, `${scope}.volumes[${i}]: ${m}`);
      if (m.type === "volume" && m.source !== undefined && !volumeKeys.has(m.source)) {
        return fail(path, `${scope}.volumes[${i}]: named volume '${m.source}' is not declared under the top-level 'volumes:' key`);
      }
      if (m.type === "bind" && m.inFolder && !(m.source === folder.dir || m.source.startsWith(folder.dir + "/"))) {
        return fail(path, `${scope}.volumes[${i}]: the bind mount source '${m.source}' is outside the service folder; a service must only use its own files`);
      }
      mounts.push(m);
    });
    for (const t of stringList(s.tmpfs)) mounts.push({ type: "tmpfs", target: t.split(":")[0], readOnly: false, path: at("tmpfs") });

    let networkMode: ServiceDefinition["networkMode"];
    if (s.network_mode !== undefined) {
      const mode = str(s.network_mode);
      if (mode === "host" || mode === "none" || mode === "bridge") networkMode = mode;
      else fail(at("network_mode"), `${scope}.network_mode: '${mode}' is not supported; use host, none, bridge or compose networks`);
    }
    const attachments: NetworkAttachment[] = [];
    if (networkMode === undefined) {
      if (s.networks === undefined) {
        usesDefaultNetwork = true;
        attachments.push({ network: "default", aliases: [name] });
      } else {
        for (const [key, opts, i] of Array.isArray(s.networks) ? s.networks.map((n, i) => [str(n), null, i] as const) : Object.entries(s.networks as Obj).map(([k, o]) => [k, o, k] as const)) {
          if (key === "default") usesDefaultNetwork = true;
          else if (!networkKeys.has(key)) {
            fail(at("networks", i), `${scope}.networks: network '${key}' is not declared under the top-level 'networks:' key`);
            continue;
          }
          const o = isObj(opts) ? opts : {};
          attachments.push({ network: key, aliases: [name, ...stringList(o.aliases).filter((a) => a !== name)], ipv4Address: o.ipv4_address === undefined ? undefined : str(o.ipv4_address) });
        }
      }
    }

    let healthcheck: ServiceDefinition["healthcheck"];
    if (isObj(s.healthcheck)) {
      const h = s.healthcheck;
      const durations: Record<string, number | undefined> = {};
      for (const k of ["interval", "timeout", "start_period"]) {
        if (h[k] === undefined) continue;
        const d = parseDuration(str(h[k]));
        if (d === undefined) fail(at("healthcheck", k), `${scope}.healthcheck.${k}: '${str(h[k])}' is not a duration such as 30s, 1m30s or 500ms`);
        durations[k] = d;
      }
      const test = typeof h.test === "string" ? ["CMD-SHELL", h.test] : stringList(h.test);
      if (toBool(h.disable) === true || test[0] === "NONE") healthcheck = "disabled";
      else if (test.length > 0) {
        healthcheck = { test, intervalMs: durations.interval, timeoutMs: durations.timeout, startPeriodMs: durations.start_period, retries: h.retries === undefined ? undefined : Number(h.retries) };
      } else fail(at("healthcheck"), `${scope}.healthcheck: 'test' is required (e.g. ["CMD", "wget", "-qO-", "http://localhost/"])`);
    }

    const dependsOn: ServiceDefinition["dependsOn"][number][] = [];
    const deps = Array.isArray(s.depends_on) ? s.depends_on.map((d) => [str(d), {}] as const) : isObj(s.depends_on) ? Object.entries(s.depends_on) : [];
    for (const [dep, opts] of deps) {
      if (!(dep in servicesData)) fail(at("depends_on"), `${scope}.depends_on: no service '${dep}' in this compose file`);
      const condition = isObj(opts) && typeof opts.condition === "string" ? opts.condition : "service_started";
      dependsOn.push({ service: dep, condition: condition as "service_started" });
    }

    const serviceSecrets: ServiceDefinition["secrets"][number][] = [];
    (Array.isArray(s.secrets) ? s.secrets : []).forEach((x, i) => {
      const source = isObj(x) ? str(x.source) : str(x);
      const target = isObj(x) && x.target !== undefined ? str(x.target) : source;
      if (!secretKeys.has(source)) fail(at("secrets", i), `${scope}.secrets: secret '${source}' is not declared under the top-level 'secrets:' key`);
      serviceSecrets.push({ source, target: target.startsWith("/") ? target : `/run/secrets/${target}`, path: at("secrets", i) });
    });

    const image = s.image === undefined ? undefined : str(s.image);
    const settings = readContainerSettings(s);
    for (const p of settings.problems) fail(at(p.key), `${scope}.${p.message}`);

    services.push({
      name,
      path: at(),
      image,
      build,
      containerName: s.container_name === undefined ? undefined : str(s.container_name),
      environment,
      envFiles,
      labels: stringMap(s.labels),
      ports,
      mounts,
      networks: attachments,
      networkMode,
      healthcheck,
      tmpfs: stringList(s.tmpfs),
      dependsOn,
      secrets: serviceSecrets,
      settings: settings.settings,
    });
  }

  if (usesDefaultNetwork && !networkKeys.has("default")) {
    networks.push({ key: "default", name: `${projectName}_default`, external: false, driverOpts: {}, labels: {} });
  }
  for (const n of networks) {
    if (n.key !== "default" && !n.external && !services.some((s) => s.networks.some((a) => a.network === n.key))) {
      problems.push(warning(file, `networks.${n.key} is declared but no service joins it; it is created anyway`, document.locate(["networks", n.key])));
    }
  }

  problems.push(...dependencyCycleProblems(services, document), ...constraintProblems(document));

  // The project is returned even with errors (what was invalid is left out of it), so that the next
  // stage can report its own problems too: the user sees every problem of the folder at once.
  return { project: { folder, document, projectName, services, networks, volumes, secrets, keys }, problems };
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

/** Compose port forms: `80`, `8080:80`, `127.0.0.1:8080:80/udp`, ranges, and the long syntax. */
export function parsePort(p: unknown): PortMapping[] | string {
  if (isObj(p)) {
    const target = Number(p.target);
    const published = p.published === undefined ? undefined : Number(p.published);
    if (!Number.isInteger(target) || (published !== undefined && !Number.isInteger(published))) return "target and published must be port numbers";
    if (target < 1 || target > 65535 || (published !== undefined && (published < 0 || published > 65535))) return "target must be a port from 1 to 65535, published from 0 to 65535";
    return [{ target, published, hostIp: p.host_ip === undefined ? undefined : str(p.host_ip), protocol: (str(p.protocol) || "tcp") as "tcp" }];
  }
  let s = str(p);
  let protocol: PortMapping["protocol"] = "tcp";
  const slash = s.lastIndexOf("/");
  if (slash !== -1) {
    const proto = s.slice(slash + 1);
    if (proto !== "tcp" && proto !== "udp" && proto !== "sctp") return `unknown protocol '${proto}'`;
    protocol = proto;
    s = s.slice(0, slash);
  }
  const parts = s.split(":");
  const containerPart = parts.pop()!;
  const publishedPart = parts.length > 0 ? parts.pop()! : "";
  const hostIp = parts.length > 0 ? parts.join(":").replace(/^\[|\]$/g, "") : undefined;
  const range = (r: string): [number, number] | undefined => {
    const m = /^(\d+)(?:-(\d+))?$/.exec(r);
    if (!m) return undefined;
    return [Number(m[1]), Number(m[2] ?? m[1])];
  };
  const targets = range(containerPart);
  if (!targets) return `'${str(p)}' is not a port mapping such as 8080:80 or 127.0.0.1:8080:80/tcp`;
  const published = publishedPart === "" ? undefined : range(publishedPart);
  if (publishedPart !== "" && !published) return `'${str(p)}' is not a port mapping such as 8080:80 or 127.0.0.1:8080:80/tcp`;
  const outOfRange = [...targets, ...(published ?? [])].find((n) => n > 65535);
  if (outOfRange !== undefined) return `'${str(p)}': port ${outOfRange} is out of range (1-65535)`;
  if (targets[0] === 0) return `'${str(p)}': the container port cannot be 0`;
  if (targets[1] < targets[0] || (published && published[1] < published[0])) return `'${str(p)}': a port range must go upwards`;
  const count = targets[1] - targets[0] + 1;
  // Docker refuses `8080:80-81` (one host port for a container range) like ranges of different sizes.
  if (published && published[1] - published[0] + 1 !== count) return `'${str(p)}': the published and container ranges differ in size`;
  const out: PortMapping[] = [];
  for (let i = 0; i < count; i++) {
    out.push({ target: targets[0] + i, published: published ? published[0] + i : undefined, hostIp, protocol });
  }
  return out;
}

function parseMount(v: unknown, path: ComposePath, inFolder: (p: string) => string): Mount | string {
  const isPath = (src: string): boolean => src.startsWith(".") || src.startsWith("/") || src.startsWith("~");
  const bind = (source: string, target: string, readOnly: boolean): Mount | string => {
    if (source.startsWith("~")) return `'${source}': a home-relative path differs between machines; use a path inside the service folder or an absolute path`;
    const relative = !source.startsWith("/");
    return { type: "bind", source: relative ? inFolder(source) : source, target, readOnly, path, inFolder: relative };
  };
  if (isObj(v)) {
    const type = str(v.type);
    const target = str(v.target);
    if (!target.startsWith("/")) return `target '${target}' must be an absolute path inside the container`;
    const readOnly = toBool(v.read_only) ?? false;
    if (type === "volume") return { type: "volume", source: v.source === undefined ? undefined : str(v.source), target, readOnly, path };
    if (type === "bind") return bind(str(v.source), target, readOnly);
    if (type === "tmpfs") return { type: "tmpfs", target, readOnly, path };
    return `volume type '${type}' is not supported (volume, bind and tmpfs are)`;
  }
  const parts = str(v).split(":");
  const [source, target, mode = ""] = parts.length === 1 ? ["", parts[0]] : parts;
  if (!target.startsWith("/")) return `'${str(v)}': the path inside the container ('${target}') must be absolute`;
  if (parts.length === 1) return { type: "volume", target, readOnly: false, path };
  if (parts.length > 3) return `'${str(v)}' is not SOURCE:TARGET[:MODE]`;
  const modes = mode.split(",").filter((m) => m !== "");
  const unknownMode = modes.find((m) => !["ro", "rw", "z", "Z", "nocopy", "cached", "delegated", "consistent"].includes(m));
  if (unknownMode) return `unknown mount mode '${unknownMode}'`;
  const readOnly = modes.includes("ro");
  return isPath(source) ? bind(source, target, readOnly) : { type: "volume", source, target, readOnly, path };
}
