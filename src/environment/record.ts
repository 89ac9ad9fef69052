import { createHash, createHmac } from "node:crypto";
import { LABELS } from "./applyStack";
import { ContainerPlan, HealthcheckPlan, ReplaceStrategy, ServicePlan } from "./plan";
import { ContainerSettings } from "../validate/containerSettings";

/**
 * The record of what a service folder runs on a stack, kept in the stack's outputs at each `up` and
 * compared with what a checkout would deploy (`npm run plan`). Plain data in the domain's words, and
 * secret-free: a secret value enters only as a keyed hash (HMAC with the stack's record key, itself
 * a Pulumi secret), so a record can be shown, logged and diffed, and a changed secret still shows.
 */
export interface ServiceRecord {
  /** The record's schema; a plan refuses to compare with a record of another version. */
  readonly version: 1;
  /** The Docker host; undefined: the stack's default. */
  readonly host?: string;
  /** By compose service. */
  readonly containers: Readonly<Record<string, ContainerRecord>>;
  /** Home-built images, by the compose service that builds them. */
  readonly images: Readonly<Record<string, ImageRecord>>;
  /** Volumes and networks by compose key. */
  readonly volumes: Readonly<Record<string, VolumeRecord>>;
  readonly networks: Readonly<Record<string, NetworkRecord>>;
}

export interface ImageRecord {
  readonly imageName: string;
  readonly buildHash: string;
  readonly dockerfile: string;
  readonly args: Readonly<Record<string, string>>;
  readonly target?: string;
  /** Build context file → digest of its content. */
  readonly files: Readonly<Record<string, string>>;
  readonly push: boolean;
}

export interface VolumeRecord {
  readonly name: string;
  readonly managed: boolean;
  readonly protect: boolean;
  /** Taken over from docker-compose: kept on delete, its labels left as they are. */
  readonly adopted?: true;
  readonly driver?: string;
  readonly driverOpts: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
}

export interface NetworkRecord {
  readonly name: string;
  readonly managed: boolean;
  /** Driver, options, IPAM…: one string, compared as a whole. */
  readonly definition: string;
}

/** A variable's value when plain; the keyed hash of it when secret. */
export type EnvRecord = { readonly value: string } | { readonly secretHash: string };

/** A file delivered into the container: its digest, its text when plain and text; secrets hashed with the key. */
export interface FileRecord {
  readonly origin: string;
  readonly hash: string;
  readonly text?: string;
  readonly secret?: true;
  readonly executable?: true;
}

export interface ContainerRecord {
  readonly name: string;
  /** The image reference (a home-built image's name, or the pulled reference). */
  readonly image: string;
  /** Home-built images: the build hash the container runs. */
  readonly buildHash?: string;
  readonly env: Readonly<Record<string, EnvRecord>>;
  /** Labels, without the inputs hash (recorded apart). */
  readonly labels: Readonly<Record<string, string>>;
  /** By path inside the container. */
  readonly files: Readonly<Record<string, FileRecord>>;
  /** By path inside the container: `volume NAME`, `host PATH`, `anonymous volume`, `tmpfs OPTIONS`, with `(read-only)`. */
  readonly mounts: Readonly<Record<string, string>>;
  /** By network name: aliases and fixed addresses. */
  readonly networks: Readonly<Record<string, string>>;
  readonly networkMode?: string;
  /** `IP:PUBLISHED->TARGET/PROTOCOL`, sorted. */
  readonly ports: readonly string[];
  readonly healthcheck?: HealthcheckPlan;
  readonly restart: string;
  /** The other container settings (command, user, limits…), by the model's field name, as JSON. */
  readonly settings: Readonly<Record<string, string>>;
  readonly dependsOn: Readonly<Record<string, string>>;
  /** The hash of the container's inputs (its `dockerfiles.inputs` label). */
  readonly inputsHash: string;
  /** How it is replaced (records written before it existed have none). */
  readonly replace?: ReplaceStrategy;
}

/** Hashes a secret value with the stack's record key. */
export type KeyedHash = (value: string) => string;

/** HMAC-SHA256 with the stack's record key (hex), shortened: enough to tell values apart, useless to guess them. */
export function keyedHash(key: string): KeyedHash {
  return (value) => createHmac("sha256", key).update(value).digest("hex").slice(0, 24);
}

function digest(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

/** The record of one planned service folder. */
export function recordService(plan: ServicePlan, secretHash: KeyedHash): ServiceRecord {
  const sorted = <T>(entries: [string, T][]): Record<string, T> => Object.fromEntries(entries.sort(([a], [b]) => a.localeCompare(b)));
  return {
    version: 1,
    host: plan.host,
    containers: sorted(plan.containers.map((c) => [c.service, recordContainer(c, plan, secretHash)])),
    images: sorted(plan.builtImages.map((i) => [i.service, { imageName: i.imageName, buildHash: i.buildHash, dockerfile: i.dockerfile, args: i.args, target: i.target, files: i.fileDigests, push: i.push }])),
    volumes: sorted(plan.volumes.map((v) => [v.key, { name: v.name, managed: v.managed, protect: v.protect, ...(v.adopted ? { adopted: true as const } : {}), driver: v.driver, driverOpts: v.driverOpts, labels: v.labels }])),
    networks: sorted(plan.networks.map((n) => {
      const { key: _k, name, managed, ...definition } = n;
      return [n.key, { name, managed, definition: JSON.stringify(definition) }];
    })),
  };
}

function recordContainer(c: ContainerPlan, plan: ServicePlan, secretHash: KeyedHash): ContainerRecord {
  const { [LABELS.inputs]: _inputs, ...labels } = c.labels;
  const image = "built" in c.image ? plan.builtImages.find((i) => i.service === (c.image as { built: string }).built)?.imageName ?? c.image.built : c.image.remote;
  const readOnly = (ro: boolean): string => (ro ? " (read-only)" : "");
  const mounts: Record<string, string> = {};
  for (const m of c.mounts) mounts[m.target] = (m.volume ? `volume ${m.volume.name}` : m.hostPath ? `host ${m.hostPath}` : "anonymous volume") + readOnly(m.readOnly);
  for (const [target, options] of Object.entries(c.tmpfs)) mounts[target] = `tmpfs${options ? ` ${options}` : ""}`;
  const { restart, ...settings } = c.settings;
  return {
    name: c.name,
    image,
    buildHash: "built" in c.image ? c.image.buildHash : undefined,
    env: Object.fromEntries(c.env.map((e) => [e.name, e.secret ? { secretHash: secretHash(e.value) } : { value: e.value }])),
    labels,
    files: Object.fromEntries(c.uploads.map((u) => {
      const content = u.content ?? u.contentBase64 ?? "";
      const file: FileRecord = u.secret
        ? { origin: u.origin, hash: secretHash(content), secret: true }
        : { origin: u.origin, hash: digest(content), text: u.content };
      return [u.target, u.executable ? { ...file, executable: true } : file];
    })),
    mounts,
    networks: Object.fromEntries(c.networks.map((n) => [n.name, describeAttachment(n)])),
    networkMode: c.networkMode,
    ports: c.ports.map((p) => `${p.ip}:${p.external ?? ""}->${p.internal}/${p.protocol}`).sort(),
    healthcheck: c.healthcheck,
    restart: restart + (c.settings.maxRetryCount === undefined ? "" : `:${c.settings.maxRetryCount}`),
    settings: settingsRecord(settings),
    dependsOn: Object.fromEntries(c.dependsOn.map((d) => [d.service, d.condition])),
    inputsHash: c.inputsHash,
    replace: c.replace,
  };
}

function describeAttachment(n: ContainerPlan["networks"][number]): string {
  const parts = [n.aliases.length > 0 ? `aliases ${[...n.aliases].sort().join(", ")}` : "no alias"];
  if (n.ipv4Address) parts.push(`ipv4 ${n.ipv4Address}`);
  if (n.ipv6Address) parts.push(`ipv6 ${n.ipv6Address}`);
  return parts.join(", ");
}

/** Settings left at their default (undefined, empty list or map) are left out, so that a new model field changes no record. */
function settingsRecord(settings: Omit<ContainerSettings, "restart">): Record<string, string> {
  const { maxRetryCount: _m, ...rest } = settings;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(rest).sort(([a], [b]) => a.localeCompare(b))) {
    if (v === undefined || (Array.isArray(v) && v.length === 0) || (typeof v === "object" && v !== null && Object.keys(v).length === 0)) continue;
    out[k] = JSON.stringify(v);
  }
  return out;
}
