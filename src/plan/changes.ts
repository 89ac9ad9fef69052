import { structuredPatch } from "diff";
import { StackKind } from "../settings";
import { stableJson } from "../environment/applyStack";
import { downtimeEstimate } from "./downtime";
import { ContainerRecord, EnvRecord, FileRecord, ImageRecord, NetworkRecord, ServiceRecord, VolumeRecord } from "../environment/record";

/**
 * The plan a person reads before deploying: the record of what a stack runs compared with the record
 * of what a checkout would deploy, per service folder and container, with the reasons in the domain's
 * words and what it costs. Pure: records in, plain data out.
 */
export interface StackPlan {
  readonly stack: string;
  readonly kind: StackKind;
  /** What the plan deploys: the working tree or a revision, in words (e.g. `the working tree at 3f2c9e1a0b4c`). */
  readonly source?: string;
  readonly services: readonly ServiceChanges[];
  /** Whether anything changes (the command's exit code: 2 when true). */
  readonly changes: boolean;
}

export type ContainerAction = "create" | "replace" | "update" | "remove" | "unchanged";

export interface ServiceChanges {
  readonly folder: string;
  /** `unknown`: deployed before the stack recorded what it runs; the next `up` records it. */
  readonly action: "create" | "change" | "remove" | "unchanged" | "unknown";
  readonly host?: { readonly from?: string; readonly to?: string };
  readonly containers: readonly ContainerChange[];
  readonly images: readonly ImageChange[];
  readonly volumes: readonly VolumeChange[];
  readonly networks: readonly NetworkChange[];
}

/** One reason a container changes. `from`/`to` are left out for secrets. */
export interface Reason {
  readonly kind: "image" | "build" | "environment" | "secret" | "label" | "file" | "mount" | "network" | "port" | "healthcheck" | "restart" | "setting" | "host" | "name" | "dependsOn" | "inputs";
  /** The variable, label, file path, setting… it is about. */
  readonly key?: string;
  readonly change: "added" | "removed" | "changed";
  readonly from?: string;
  readonly to?: string;
  /** Config files: a short unified diff of the file as the container sees it. */
  readonly diff?: string;
  /** A rebuilt image: which build inputs changed. */
  readonly detail?: string;
}

export interface ContainerChange {
  readonly service: string;
  readonly name: string;
  readonly action: ContainerAction;
  readonly reasons: readonly Reason[];
  /** Containers of the folder that depend on this one (depends_on), when it is replaced or removed. */
  readonly dependents: readonly string[];
  /** A replaced container: how long its service is expected to be down, in words (e.g. `≈3 s down`). */
  readonly downtime?: string;
}

export interface ImageChange {
  readonly service: string;
  readonly imageName: string;
  readonly action: "build";
  readonly push: boolean;
  readonly reasons: readonly Reason[];
}

export interface VolumeChange {
  readonly key: string;
  readonly name: string;
  readonly action: "create" | "replace" | "remove";
  readonly reasons: readonly Reason[];
  /** What happens to its data: the prod guard's verdict, or the test stack's. */
  readonly verdict: string;
  /** True when `up` refuses it (a protected prod volume replaced). */
  readonly refused: boolean;
}

export interface NetworkChange {
  readonly key: string;
  readonly name: string;
  readonly action: "create" | "replace" | "remove";
}

/** The deployed side: per folder, its record, or null when the stack ran it before records existed. */
export type DeployedRecords = Readonly<Record<string, ServiceRecord | null>>;

export function comparePlan(stack: string, kind: StackKind, deployed: DeployedRecords, planned: Readonly<Record<string, ServiceRecord>>, source?: string): StackPlan {
  const folders = [...new Set([...Object.keys(deployed), ...Object.keys(planned)])].sort();
  const services = folders.map((folder) => compareService(folder, kind, deployed[folder], planned[folder]));
  return { stack, kind, source, services, changes: services.some((s) => s.action !== "unchanged") };
}

export function compareService(folder: string, kind: StackKind, before: ServiceRecord | null | undefined, after: ServiceRecord | undefined): ServiceChanges {
  if (before === null) return { folder, action: "unknown", containers: [], images: [], volumes: [], networks: [] };
  const empty: ServiceRecord = { version: 1, containers: {}, images: {}, volumes: {}, networks: {} };
  const b = before ?? empty;
  const a = after ?? empty;
  const hostMoved = before !== undefined && after !== undefined && b.host !== a.host;
  const images = compareImages(b.images, a.images);
  const rebuilt = new Map(images.map((i) => [i.service, i]));
  const volumes = keysOf(b.volumes, a.volumes).flatMap((key) => compareVolume(key, kind, b.volumes[key], a.volumes[key], hostMoved));
  const replacedVolumes = new Set(volumes.filter((v) => v.action === "replace").map((v) => v.name));
  const containers = keysOf(b.containers, a.containers).map((service) => {
    const c = compareContainer(service, b.containers[service], a.containers[service], rebuilt.get(service), hostMoved ? { from: b.host, to: a.host } : undefined);
    return c.action === "create" || c.action === "remove" ? c : onReplacedVolumes(c, a.containers[service], replacedVolumes);
  });
  const withDependents = containers.map((c): ContainerChange => ({
    ...c,
    dependents: c.action === "replace" || c.action === "remove" ? dependentsOf(c.service, b, a) : [],
    ...(c.action === "replace" ? { downtime: downtimeEstimate(a.containers[c.service]) } : {}),
  }));
  const networks = keysOf(b.networks, a.networks).flatMap((key) => compareNetwork(key, b.networks[key], a.networks[key], hostMoved));
  const action = !before ? "create" : !after ? "remove" : withDependents.some((c) => c.action !== "unchanged") || images.length + volumes.length + networks.length > 0 ? "change" : "unchanged";
  return { folder, action, host: hostMoved ? { from: b.host, to: a.host } : undefined, containers: withDependents, images, volumes, networks };
}

/** A container mounting a volume that is replaced is replaced too: it must mount the new volume. */
function onReplacedVolumes(c: Omit<ContainerChange, "dependents">, after: ContainerRecord, replaced: ReadonlySet<string>): Omit<ContainerChange, "dependents"> {
  const mounts = Object.entries(after.mounts).filter(([, m]) => replaced.has(m.replace(/^volume /, "").replace(/ \(read-only\)$/, "")));
  if (mounts.length === 0) return c;
  const reasons = mounts.map(([target, m]): Reason => ({ kind: "mount", key: target, change: "changed", from: m, to: `${m}, replaced` }));
  return { ...c, action: "replace", reasons: [...c.reasons.filter((r) => r.kind !== "inputs"), ...reasons] };
}

function keysOf(...maps: Readonly<Record<string, unknown>>[]): string[] {
  return [...new Set(maps.flatMap((m) => Object.keys(m)))].sort();
}

function dependentsOf(service: string, ...records: ServiceRecord[]): string[] {
  const dependents = new Set<string>();
  for (const r of records) for (const [name, c] of Object.entries(r.containers)) if (c.dependsOn[service] !== undefined) dependents.add(`${name} (${c.dependsOn[service]})`);
  return [...dependents].sort();
}

/** Home-built images built (and on prod pushed) by this deployment, and why. */
function compareImages(before: Readonly<Record<string, ImageRecord>>, after: Readonly<Record<string, ImageRecord>>): ImageChange[] {
  const out: ImageChange[] = [];
  for (const [service, a] of Object.entries(after)) {
    const b = before[service];
    if (b && b.imageName === a.imageName && b.buildHash === a.buildHash) continue;
    out.push({ service, imageName: a.imageName, action: "build", push: a.push, reasons: b ? buildReasons(b, a) : [] });
  }
  return out.sort((x, y) => x.service.localeCompare(y.service));
}

export function buildReasons(b: ImageRecord, a: ImageRecord): Reason[] {
  const reasons: Reason[] = [];
  if (b.imageName !== a.imageName) reasons.push({ kind: "image", change: "changed", from: b.imageName, to: a.imageName });
  reasons.push(...mapReasons("build", b.files, a.files, (f) => `file ${f}`, () => undefined));
  if (b.dockerfile !== a.dockerfile) reasons.push({ kind: "build", key: "dockerfile", change: "changed", from: b.dockerfile, to: a.dockerfile });
  reasons.push(...mapReasons("build", b.args, a.args, (k) => `arg ${k}`));
  if (b.target !== a.target) reasons.push({ kind: "build", key: "target", change: "changed", from: b.target ?? "(none)", to: a.target ?? "(none)" });
  return reasons;
}

/** Added, removed and changed entries of two maps, as reasons of one kind. `show` gives the value shown (undefined: none). */
function mapReasons<T>(kind: Reason["kind"], before: Readonly<Record<string, T>>, after: Readonly<Record<string, T>>, key: (k: string) => string = (k) => k, show: (v: T) => string | undefined = (v) => String(v)): Reason[] {
  const reasons: Reason[] = [];
  for (const k of keysOf(before, after)) {
    const b = before[k];
    const a = after[k];
    if (b === undefined) reasons.push(withValues({ kind, key: key(k), change: "added" }, undefined, show(a)));
    else if (a === undefined) reasons.push(withValues({ kind, key: key(k), change: "removed" }, show(b), undefined));
    else if (stableJson(b) !== stableJson(a)) reasons.push(withValues({ kind, key: key(k), change: "changed" }, show(b), show(a)));
  }
  return reasons;
}

function withValues(r: Reason, from: string | undefined, to: string | undefined): Reason {
  return { ...r, ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };
}

function compareContainer(service: string, b: ContainerRecord | undefined, a: ContainerRecord | undefined, image: ImageChange | undefined, host: { from?: string; to?: string } | undefined): Omit<ContainerChange, "dependents"> {
  if (!b) return { service, name: a!.name, action: "create", reasons: [] };
  if (!a) return { service, name: b.name, action: "remove", reasons: [] };
  const reasons = containerReasons(b, a, image);
  if (host) reasons.unshift({ kind: "host", change: "changed", from: host.from ?? "the default Docker host", to: host.to ?? "the default Docker host" });
  const inPlace = new Set<Reason["kind"]>(["restart", "dependsOn"]);
  // Secret values are not in the inputs hash; the provider replaces a container whose environment or files change.
  const replaced = host !== undefined || b.inputsHash !== a.inputsHash || reasons.some((r) => r.kind === "secret") || secretFilesDiffer(b, a);
  if (replaced && !reasons.some((r) => !inPlace.has(r.kind))) reasons.push({ kind: "inputs", change: "changed", from: b.inputsHash, to: a.inputsHash });
  const updated = reasons.some((r) => r.kind === "restart" || (r.kind === "setting" && r.key === "memoryMb"));
  return { service, name: a.name, action: replaced ? "replace" : updated ? "update" : "unchanged", reasons };
}

function containerReasons(b: ContainerRecord, a: ContainerRecord, image: ImageChange | undefined): Reason[] {
  const reasons: Reason[] = [];
  if (b.name !== a.name) reasons.push({ kind: "name", change: "changed", from: b.name, to: a.name });
  if (b.image !== a.image) reasons.push({ kind: "image", change: "changed", from: b.image, to: a.image });
  else if (b.buildHash !== a.buildHash) reasons.push({ kind: "build", change: "changed", key: a.image, ...(image ? { detail: image.reasons.map((r) => r.key ?? r.kind).join(", ") } : {}) });
  reasons.push(...envReasons(b.env, a.env));
  reasons.push(...mapReasons("label", b.labels, a.labels));
  reasons.push(...fileReasons(b.files, a.files));
  reasons.push(...mapReasons("mount", b.mounts, a.mounts));
  reasons.push(...mapReasons("network", b.networks, a.networks));
  if ((b.networkMode ?? "") !== (a.networkMode ?? "")) reasons.push({ kind: "network", key: "network_mode", change: "changed", from: b.networkMode ?? "(default)", to: a.networkMode ?? "(default)" });
  reasons.push(...mapReasons("port", asSet(b.ports), asSet(a.ports), (p) => p, () => undefined));
  if (stableJson(b.healthcheck ?? null) !== stableJson(a.healthcheck ?? null)) reasons.push({ kind: "healthcheck", change: b.healthcheck ? (a.healthcheck ? "changed" : "removed") : "added", from: healthText(b.healthcheck), to: healthText(a.healthcheck) });
  if (b.restart !== a.restart) reasons.push({ kind: "restart", change: "changed", from: b.restart, to: a.restart });
  reasons.push(...mapReasons("setting", b.settings, a.settings));
  reasons.push(...mapReasons("dependsOn", b.dependsOn, a.dependsOn));
  return reasons;
}

function secretFilesDiffer(b: ContainerRecord, a: ContainerRecord): boolean {
  return keysOf(b.files, a.files).some((f) => (b.files[f]?.secret || a.files[f]?.secret) && b.files[f]?.hash !== a.files[f]?.hash);
}

function asSet(list: readonly string[]): Record<string, string> {
  return Object.fromEntries(list.map((x) => [x, x]));
}

function healthText(h: ContainerRecord["healthcheck"]): string | undefined {
  return h && `${JSON.stringify(h.tests)} every ${h.interval}, timeout ${h.timeout}, start period ${h.startPeriod}, ${h.retries} retries`;
}

/** Plain variables with their values; secret ones by name only, "changed" when their keyed hash differs. */
function envReasons(before: Readonly<Record<string, EnvRecord>>, after: Readonly<Record<string, EnvRecord>>): Reason[] {
  const reasons: Reason[] = [];
  for (const name of keysOf(before, after)) {
    const b = before[name];
    const a = after[name];
    if (stableJson(b) === stableJson(a)) continue;
    const secret = (b !== undefined && "secretHash" in b) || (a !== undefined && "secretHash" in a);
    const change = b === undefined ? "added" : a === undefined ? "removed" : "changed";
    if (secret) reasons.push({ kind: "secret", key: name, change });
    else reasons.push(withValues({ kind: "environment", key: name, change }, b && "value" in b ? b.value : undefined, a && "value" in a ? a.value : undefined));
  }
  return reasons;
}

/** Files delivered into the container: a short unified diff for plain text files, "changed" only for secret ones. */
function fileReasons(before: Readonly<Record<string, FileRecord>>, after: Readonly<Record<string, FileRecord>>): Reason[] {
  const reasons: Reason[] = [];
  for (const path of keysOf(before, after)) {
    const b = before[path];
    const a = after[path];
    if (b && a && b.hash === a.hash && b.executable === a.executable) continue;
    const change = !b ? "added" : !a ? "removed" : "changed";
    const reason: Reason = { kind: "file", key: path, change };
    if (b?.secret || a?.secret) reasons.push(reason);
    else if (b && a && b.hash === a.hash) reasons.push({ ...reason, from: b.executable ? "executable" : "not executable", to: a.executable ? "executable" : "not executable" });
    else reasons.push({ ...reason, diff: shortDiff(path, b?.text, a?.text) });
  }
  return reasons;
}

const DIFF_LINES = 40;

/** A unified diff of a file's two versions, at most DIFF_LINES lines (then how many more); undefined for binary files. */
export function shortDiff(path: string, before: string | undefined, after: string | undefined): string | undefined {
  if (before === undefined && after === undefined) return undefined;
  const patch = structuredPatch(path, path, before ?? "", after ?? "", undefined, undefined, { context: 2 });
  const lines = patch.hunks.flatMap((h) => [`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`, ...h.lines]);
  if (lines.length <= DIFF_LINES) return lines.join("\n");
  return [...lines.slice(0, DIFF_LINES), `… ${lines.length - DIFF_LINES} more lines`].join("\n");
}

function compareVolume(key: string, kind: StackKind, b: VolumeRecord | undefined, a: VolumeRecord | undefined, hostMoved: boolean): VolumeChange[] {
  const v = (a ?? b)!;
  if (!v.managed) return [];
  if (!b) return [{ key, name: a!.name, action: "create", reasons: [], verdict: "new, empty", refused: false }];
  if (!a) {
    const verdict = b.protect || b.adopted ? `kept on the host with its data (${b.protect ? "protected, " : ""}retained on delete)` : kind === "prod" ? "deleted with its data" : "deleted with its data (test stack)";
    return [{ key, name: b.name, action: "remove", reasons: [], verdict, refused: false }];
  }
  const reasons: Reason[] = [];
  if (b.name !== a.name) reasons.push({ kind: "name", change: "changed", from: b.name, to: a.name });
  if ((b.driver ?? "local") !== (a.driver ?? "local")) reasons.push({ kind: "setting", key: "driver", change: "changed", from: b.driver ?? "local", to: a.driver ?? "local" });
  reasons.push(...mapReasons("setting", b.driverOpts, a.driverOpts, (k) => `driver_opts ${k}`));
  // An adopted volume keeps the labels compose gave it: the stack ignores label changes on it.
  if (!a.adopted) reasons.push(...mapReasons("label", b.labels, a.labels));
  if (hostMoved) reasons.push({ kind: "host", change: "changed" });
  if (reasons.length === 0) return [];
  const refused = b.protect;
  const verdict = refused ? "REFUSED: the volume is protected; up stops before touching it (deploy a revision that keeps its name, driver and labels)" : "replaced: its data is LOST (test stack)";
  return [{ key, name: a.name, action: "replace", reasons, verdict, refused }];
}

function compareNetwork(key: string, b: NetworkRecord | undefined, a: NetworkRecord | undefined, hostMoved: boolean): NetworkChange[] {
  const n = (a ?? b)!;
  if (!n.managed) return [];
  if (!b) return [{ key, name: a!.name, action: "create" }];
  if (!a) return [{ key, name: b.name, action: "remove" }];
  return b.name !== a.name || b.definition !== a.definition || hostMoved ? [{ key, name: a.name, action: "replace" }] : [];
}
