import { joinPath } from "../read/files";
import type { ComposePath } from "./composeDocument";
import {
  BIND_MOUNT_KEYS,
  BUILD_KEYS,
  DEPENDS_ON_KEYS,
  ENV_FILE_KEYS,
  HEALTHCHECK_KEYS,
  MOUNT_KEYS,
  NETWORK_ATTACHMENT_KEYS,
  PORT_KEYS,
  SERVICE_KEYS,
  SERVICE_SECRET_KEYS,
  TMPFS_MOUNT_KEYS,
  VOLUME_MOUNT_KEYS,
} from "./composeKeys";
import type { BuildDefinition, EnvFileReference, Mount, NetworkAttachment, PortMapping, ServiceDefinition } from "./composeProject";
import { parseMount, parsePort } from "./portsAndMounts";
import { ComposeReader } from "./composeReader";
import { readContainerSettings } from "./containerSettings";
import { parseDuration } from "./durations";
import { isObj, listOrDict, Obj, str, stringList, stringMap, toBool } from "./values";

/** What a service may refer to: the file's other declarations. */
export interface Declared {
  readonly services: ReadonlySet<string>;
  readonly networks: ReadonlySet<string>;
  readonly volumes: ReadonlySet<string>;
  readonly secrets: ReadonlySet<string>;
}

/** One service of the compose file; what is invalid is reported and left out. */
export function readService(r: ComposeReader, name: string, raw: unknown, declared: Declared): ServiceDefinition {
  const s = isObj(raw) ? raw : {};
  const at = (...rest: (string | number)[]): ComposePath => ["services", name, ...rest];
  const scope = `services.${name}`;
  r.account(scope, at(), s, SERVICE_KEYS);
  const settings = readContainerSettings(s);
  for (const p of settings.problems) r.fail(at(p.key), `${scope}.${p.message}`);
  return {
    name,
    path: at(),
    image: s.image === undefined ? undefined : str(s.image),
    build: readBuild(r, name, s),
    containerName: s.container_name === undefined ? undefined : str(s.container_name),
    environment: listOrDict(s.environment).map(([k, v, i]) => ({ name: k, value: v, path: at("environment", i) })),
    envFiles: readEnvFiles(r, s, at, scope),
    labels: stringMap(s.labels),
    ports: readPorts(r, s, at, scope),
    mounts: readMounts(r, s, at, scope, declared),
    ...readNetworking(r, name, s, declared),
    healthcheck: readHealthcheck(r, s, at, scope),
    tmpfs: stringList(s.tmpfs),
    dependsOn: readDependsOn(r, s, at, scope, declared),
    secrets: readServiceSecrets(r, s, at, scope, declared),
    settings: settings.settings,
    ...readUpdateOrder(r, s, at, scope),
  };
}

/** compose's `deploy.update_config.order`: the one part of `deploy` this program applies (replaceOrder.ts). */
function readUpdateOrder(r: ComposeReader, s: Obj, at: (...rest: (string | number)[]) => ComposePath, scope: string): Pick<ServiceDefinition, "updateOrder"> {
  const update = isObj(s.deploy) && isObj(s.deploy.update_config) ? s.deploy.update_config : undefined;
  if (update?.order === undefined) return {};
  const order = str(update.order);
  const path = at("deploy", "update_config", "order");
  if (order !== "start-first" && order !== "stop-first") {
    r.fail(path, `${scope}.deploy.update_config.order: '${order}' is neither start-first nor stop-first`);
    return {};
  }
  return { updateOrder: { order, path } };
}

function readBuild(r: ComposeReader, name: string, s: Obj): BuildDefinition | undefined {
  const at = (...rest: (string | number)[]): ComposePath => ["services", name, ...rest];
  const scope = `services.${name}`;
  if (s.build === undefined) {
    if (s.image === undefined) r.fail(at(), `${scope}: neither 'image' nor 'build' is set`);
    return undefined;
  }
  const b = isObj(s.build) ? s.build : { context: s.build };
  if (isObj(s.build)) r.account(`${scope}.build`, at("build"), b, BUILD_KEYS);
  const context = str(b.context ?? ".");
  if (/^(https?:\/\/|git@|git:\/\/|github\.com\/)/.test(context) || context.endsWith(".git")) {
    r.fail(at("build", "context"), `${scope}.build: a git URL build context ('${context}') cannot be built by the Docker provider; vendor the sources into the folder or build the image elsewhere and reference it by tag`);
  }
  if (s.image === undefined) r.fail(at("build"), `${scope}: a home-built image needs an 'image:' with the registry name and a precise tag, e.g. registry.picasoft.net/${name}:1.0.0`);
  const contextDir = r.inFolder(context);
  return {
    context: contextDir,
    dockerfile: joinPath(contextDir, str(b.dockerfile ?? "Dockerfile")),
    args: Object.fromEntries(listOrDict(b.args).map(([k, v]) => [k, v ?? ""])),
    target: b.target === undefined ? undefined : str(b.target),
  };
}

function readEnvFiles(r: ComposeReader, s: Obj, at: (...rest: (string | number)[]) => ComposePath, scope: string): EnvFileReference[] {
  const list = s.env_file === undefined ? [] : Array.isArray(s.env_file) ? s.env_file : [s.env_file];
  list.forEach((e, i) => {
    if (isObj(e)) r.account(`${scope}.env_file[${i}]`, at("env_file", i), e, ENV_FILE_KEYS);
  });
  return list.map((e, i) => ({
    file: r.inFolder(isObj(e) ? str(e.path) : str(e)),
    required: isObj(e) ? (toBool(e.required) ?? true) : true,
    path: at("env_file", ...(Array.isArray(s.env_file) ? [i] : [])),
  }));
}

function readPorts(r: ComposeReader, s: Obj, at: (...rest: (string | number)[]) => ComposePath, scope: string): PortMapping[] {
  const ports: PortMapping[] = [];
  (Array.isArray(s.ports) ? s.ports : []).forEach((p, i) => {
    if (isObj(p)) r.account(`${scope}.ports[${i}]`, at("ports", i), p, PORT_KEYS);
    const parsed = parsePort(p);
    if (typeof parsed === "string") r.fail(at("ports", i), `${scope}.ports[${i}]: ${parsed}`);
    else ports.push(...parsed.map((m) => ({ ...m, path: at("ports", i) })));
  });
  return ports;
}

function readMounts(r: ComposeReader, s: Obj, at: (...rest: (string | number)[]) => ComposePath, scope: string, declared: Declared): Mount[] {
  const mounts: Mount[] = [];
  const dir = r.folder.dir;
  (Array.isArray(s.volumes) ? s.volumes : []).forEach((v, i) => {
    const path = at("volumes", i);
    if (isObj(v)) accountMount(r, `${scope}.volumes[${i}]`, path, v);
    const m = parseMount(v, path, (p) => r.inFolder(p));
    if (typeof m === "string") return r.fail(path, `${scope}.volumes[${i}]: ${m}`);
    if (m.type === "volume" && m.source !== undefined && !declared.volumes.has(m.source)) {
      return r.fail(path, `${scope}.volumes[${i}]: named volume '${m.source}' is not declared under the top-level 'volumes:' key`);
    }
    if (m.type === "bind" && m.inFolder && !(m.source === dir || m.source.startsWith(dir + "/"))) {
      return r.fail(path, `${scope}.volumes[${i}]: the bind mount source '${m.source}' is outside the service folder; a service must only use its own files`);
    }
    mounts.push(m);
  });
  // `/run` or `/run:size=64m,mode=1777`: the options are Docker's tmpfs options.
  for (const t of stringList(s.tmpfs)) {
    const colon = t.indexOf(":");
    mounts.push({ type: "tmpfs", target: colon === -1 ? t : t.slice(0, colon), readOnly: false, path: at("tmpfs"), options: colon === -1 ? undefined : t.slice(colon + 1) });
  }
  return mounts;
}

/** network_mode, or the networks joined (the project's default one when none is named). */
function readNetworking(r: ComposeReader, name: string, s: Obj, declared: Declared): Pick<ServiceDefinition, "networkMode" | "networks"> {
  const at = (...rest: (string | number)[]): ComposePath => ["services", name, ...rest];
  const scope = `services.${name}`;
  if (s.network_mode !== undefined) {
    const mode = str(s.network_mode);
    if (mode === "host" || mode === "none" || mode === "bridge") return { networkMode: mode, networks: [] };
    r.fail(at("network_mode"), `${scope}.network_mode: '${mode}' is not supported; use host, none, bridge or compose networks`);
    return { networkMode: undefined, networks: [] };
  }
  if (s.networks === undefined) return { networkMode: undefined, networks: [{ network: "default", aliases: [name] }] };
  const networks: NetworkAttachment[] = [];
  const entries = Array.isArray(s.networks) ? s.networks.map((n, i) => [str(n), null, i] as const) : Object.entries(s.networks as Obj).map(([k, o]) => [k, o, k] as const);
  for (const [key, opts, i] of entries) {
    if (key !== "default" && !declared.networks.has(key)) {
      r.fail(at("networks", i), `${scope}.networks: network '${key}' is not declared under the top-level 'networks:' key`);
      continue;
    }
    const o = isObj(opts) ? opts : {};
    if (isObj(opts)) r.account(`${scope}.networks.${key}`, at("networks", key), o, NETWORK_ATTACHMENT_KEYS);
    networks.push({
      network: key,
      aliases: [name, ...stringList(o.aliases).filter((a) => a !== name)],
      ipv4Address: o.ipv4_address === undefined ? undefined : str(o.ipv4_address),
      ipv6Address: o.ipv6_address === undefined ? undefined : str(o.ipv6_address),
    });
  }
  return { networkMode: undefined, networks };
}

function readHealthcheck(r: ComposeReader, s: Obj, at: (...rest: (string | number)[]) => ComposePath, scope: string): ServiceDefinition["healthcheck"] {
  if (!isObj(s.healthcheck)) return undefined;
  const h = s.healthcheck;
  r.account(`${scope}.healthcheck`, at("healthcheck"), h, HEALTHCHECK_KEYS);
  const durations: Record<string, number | undefined> = {};
  for (const k of ["interval", "timeout", "start_period"]) {
    if (h[k] === undefined) continue;
    const d = parseDuration(str(h[k]));
    if (d === undefined) r.fail(at("healthcheck", k), `${scope}.healthcheck.${k}: '${str(h[k])}' is not a duration such as 30s, 1m30s or 500ms`);
    durations[k] = d;
  }
  const test = typeof h.test === "string" ? ["CMD-SHELL", h.test] : stringList(h.test);
  if (toBool(h.disable) === true || test[0] === "NONE") return "disabled";
  if (test.length === 0) {
    r.fail(at("healthcheck"), `${scope}.healthcheck: 'test' is required (e.g. ["CMD", "wget", "-qO-", "http://localhost/"])`);
    return undefined;
  }
  return { test, intervalMs: durations.interval, timeoutMs: durations.timeout, startPeriodMs: durations.start_period, retries: h.retries === undefined ? undefined : Number(h.retries) };
}

function readDependsOn(r: ComposeReader, s: Obj, at: (...rest: (string | number)[]) => ComposePath, scope: string, declared: Declared): ServiceDefinition["dependsOn"] {
  const deps = Array.isArray(s.depends_on) ? s.depends_on.map((d) => [str(d), {}] as const) : isObj(s.depends_on) ? Object.entries(s.depends_on) : [];
  return deps.map(([dep, opts]) => {
    if (isObj(opts)) r.account(`${scope}.depends_on.${dep}`, at("depends_on", dep), opts, DEPENDS_ON_KEYS);
    if (!declared.services.has(dep)) r.fail(at("depends_on"), `${scope}.depends_on: no service '${dep}' in this compose file`);
    const condition = isObj(opts) && typeof opts.condition === "string" ? opts.condition : "service_started";
    return { service: dep, condition: condition as "service_started" };
  });
}

function readServiceSecrets(r: ComposeReader, s: Obj, at: (...rest: (string | number)[]) => ComposePath, scope: string, declared: Declared): ServiceDefinition["secrets"] {
  return (Array.isArray(s.secrets) ? s.secrets : []).map((x, i) => {
    if (isObj(x)) r.account(`${scope}.secrets[${i}]`, at("secrets", i), x, SERVICE_SECRET_KEYS);
    const source = isObj(x) ? str(x.source) : str(x);
    const target = isObj(x) && x.target !== undefined ? str(x.target) : source;
    if (!declared.secrets.has(source)) r.fail(at("secrets", i), `${scope}.secrets: secret '${source}' is not declared under the top-level 'secrets:' key`);
    return { source, target: target.startsWith("/") ? target : `/run/secrets/${target}`, path: at("secrets", i) };
  });
}

/** A long-syntax mount and its per-type options, each key accounted for. */
function accountMount(r: ComposeReader, scope: string, path: ComposePath, v: Obj): void {
  r.account(scope, path, v, MOUNT_KEYS);
  for (const [key, table] of [["bind", BIND_MOUNT_KEYS], ["volume", VOLUME_MOUNT_KEYS], ["tmpfs", TMPFS_MOUNT_KEYS]] as const) {
    if (isObj(v[key])) r.account(`${scope}.${key}`, [...path, key], v[key], table);
  }
}
