/**
 * How what docker-compose started on a host maps to what the program declares for a service folder
 * (pure: an inventory and a plan in, a verdict out). Compose names what it creates `<project>_<name>`,
 * the project being the folder's name lower-cased (compose before 1.21 also dropped dashes and
 * underscores), or what `-p` / COMPOSE_PROJECT_NAME / the top-level `name:` said; `name:` and external
 * volumes keep their names; compose labels what it creates with its project, service and volume.
 */
import * as path from "node:path";
import { ServicePlan } from "../environment/plan";
import { Inventory, LiveContainer, LiveNetwork, LiveVolume } from "./inventory";

export const COMPOSE = {
  project: "com.docker.compose.project",
  service: "com.docker.compose.service",
  volume: "com.docker.compose.volume",
  workingDir: "com.docker.compose.project.working_dir",
} as const;

/** The program's own label on what it deployed. */
const OWN_FOLDER = "dockerfiles.folder";

export interface VolumeAdoption {
  readonly key: string;
  /** The name the program declares when nothing is adopted. */
  readonly declared: string;
  /** The existing volume kept for it; undefined when it is new (created empty). */
  readonly existing?: LiveVolume;
}

export interface FolderAdoption {
  readonly folder: string;
  readonly host?: string;
  /** The compose project names this folder was found under. */
  readonly projects: readonly string[];
  /** Compose containers of the folder, each replaced by the program's container of the same service. */
  readonly replaced: readonly { readonly container: LiveContainer; readonly service: string }[];
  /** Containers reported and left alone, with why. */
  readonly leftAlone: readonly { readonly container: LiveContainer; readonly why: string }[];
  readonly volumes: readonly VolumeAdoption[];
  /** Volumes of the folder's compose project that the program does not declare: listed, left alone. */
  readonly undeclaredVolumes: readonly LiveVolume[];
  /** Compose networks of the folder: removed once its containers are gone (they hold no data). */
  readonly networks: readonly LiveNetwork[];
  /** Images the compose containers run. */
  readonly images: readonly string[];
  /** Why the folder cannot be adopted as it is, each with what to do. */
  readonly refusals: readonly string[];
}

/** `Pica-Pad` → `pica-pad` (compose ≥ 1.21) and `picapad` (before). */
export function composeProjectNames(folder: string): string[] {
  const lower = folder.toLowerCase();
  return [...new Set([lower.replace(/[^a-z0-9_-]/g, ""), lower.replace(/[^a-z0-9]/g, "")])];
}

function projectsOf(plan: ServicePlan, inventory: Inventory): string[] {
  const names = new Set(plan.containers.map((c) => c.name));
  const found = inventory.containers.filter((c) => c.labels[COMPOSE.project] !== undefined &&
    (path.basename(c.labels[COMPOSE.workingDir] ?? "") === plan.folder || names.has(c.name))).map((c) => c.labels[COMPOSE.project]);
  return [...new Set([...composeProjectNames(plan.folder), plan.projectName, ...found])];
}

function volumeCandidates(key: string, declared: string, projects: readonly string[], volumes: readonly LiveVolume[], adoptedName?: string): LiveVolume[] {
  // A volume an earlier adopt recorded is the one, whatever else now carries a matching name.
  if (adoptedName !== undefined) return volumes.filter((v) => v.name === adoptedName);
  const names = new Set([declared, ...projects.map((p) => `${p}_${key}`)]);
  return volumes.filter((v) => names.has(v.name) || (projects.includes(v.labels[COMPOSE.project] ?? "") && [key, declared].includes(v.labels[COMPOSE.volume] ?? "")));
}

function matchContainers(plan: ServicePlan, inventory: Inventory, projects: readonly string[]): Pick<FolderAdoption, "replaced" | "leftAlone"> & { refusals: string[] } {
  const services = new Map(plan.containers.map((c) => [c.service, c]));
  const names = new Map(plan.containers.map((c) => [c.name, c]));
  const replaced: FolderAdoption["replaced"][number][] = [];
  const leftAlone: FolderAdoption["leftAlone"][number][] = [];
  const refusals: string[] = [];
  for (const c of inventory.containers) {
    if (c.labels[OWN_FOLDER] !== undefined) continue;
    const ofFolder = projects.includes(c.labels[COMPOSE.project] ?? "");
    const service = ofFolder ? c.labels[COMPOSE.service] : undefined;
    if (service !== undefined && services.has(service)) replaced.push({ container: c, service });
    else if (ofFolder) leftAlone.push({ container: c, why: `compose service '${service ?? "?"}' of project ${c.labels[COMPOSE.project]} is not in ${plan.folder}/docker-compose.yml: left running` });
    if (names.has(c.name) && !(service !== undefined && services.has(service))) {
      refusals.push(`container ${c.name} (${c.id.slice(0, 12)}, image ${c.image}) holds the name of ${plan.folder}/${names.get(c.name)!.service} but was not started by compose for this folder: check what it is, then remove or rename it (docker rm -f ${c.name}) and run adopt again`);
    }
  }
  return { replaced, leftAlone, refusals };
}

function matchVolumes(plan: ServicePlan, inventory: Inventory, projects: readonly string[], replaced: readonly LiveContainer[], adopted: Readonly<Record<string, string>>): { volumes: VolumeAdoption[]; undeclared: LiveVolume[]; refusals: string[] } {
  const refusals: string[] = [];
  const ours = new Set(replaced.map((c) => c.id));
  const volumes = plan.volumes.filter((v) => v.managed).map((v) => {
    const candidates = volumeCandidates(v.key, v.name, projects, inventory.volumes, adopted[v.key]);
    if (candidates.length > 1) {
      refusals.push(`${plan.folder}: volumes.${v.key} could be ${candidates.map((c) => `${c.name} (${c.size ?? "size unknown"})`).join(" or ")}: keep the one with the service's data; ` +
        `back up and remove the other (docker volume rm), or say which: pulumi config set --path 'adopted["${plan.folder}"].volumes.${v.key}' <name>`);
    }
    const existing = candidates.length === 1 ? candidates[0] : undefined;
    const users = existing ? inventory.containers.filter((c) => c.volumes.includes(existing.name) && !ours.has(c.id) && c.labels[OWN_FOLDER] !== plan.folder) : [];
    for (const u of users) refusals.push(`volume ${existing!.name} is in use by container ${u.name} (${u.image}), which is not part of ${plan.folder}: stop it, or find out why it mounts the data, before adopting`);
    return { key: v.key, declared: v.name, existing };
  });
  const kept = new Set(volumes.map((v) => v.existing?.name));
  const undeclared = inventory.volumes.filter((v) => projects.includes(v.labels[COMPOSE.project] ?? "") && !kept.has(v.name));
  return { volumes, undeclared, refusals };
}

function matchNetworks(plan: ServicePlan, inventory: Inventory, projects: readonly string[], replaced: readonly LiveContainer[]): { networks: LiveNetwork[]; refusals: string[] } {
  const declared = new Set(plan.networks.filter((n) => n.managed).map((n) => n.name));
  const networks = inventory.networks.filter((n) => declared.has(n.name) || projects.includes(n.labels[COMPOSE.project] ?? ""));
  const ours = new Set(replaced.map((c) => c.id));
  const refusals = networks.flatMap((n) => inventory.containers.filter((c) => c.networks.includes(n.name) && !ours.has(c.id))
    .map((c) => `network ${n.name} is joined by container ${c.name}, which is not part of ${plan.folder}: the program creates its own ${n.name}; disconnect it (docker network disconnect ${n.name} ${c.name}) before adopting`));
  return { networks, refusals };
}

/**
 * `plan` is the folder's plan with nothing adopted (the names compose would give); `adopted` what an
 * earlier adopt recorded for it (compose volume key → the volume kept).
 */
export function matchFolder(plan: ServicePlan, inventory: Inventory, adopted: Readonly<Record<string, string>> = {}): FolderAdoption {
  const projects = projectsOf(plan, inventory);
  const containers = matchContainers(plan, inventory, projects);
  const replaced = containers.replaced.map((r) => r.container);
  const volumes = matchVolumes(plan, inventory, projects, replaced, adopted);
  const networks = matchNetworks(plan, inventory, projects, replaced);
  return {
    folder: plan.folder,
    host: plan.host,
    projects,
    replaced: containers.replaced,
    leftAlone: containers.leftAlone,
    volumes: volumes.volumes,
    undeclaredVolumes: volumes.undeclared,
    networks: networks.networks,
    images: [...new Set(replaced.map((c) => c.image))].sort(),
    refusals: [...containers.refusals, ...volumes.refusals, ...networks.refusals],
  };
}

/** The report of one folder, in the words of the README. */
export function describeAdoption(a: FolderAdoption): string[] {
  const where = a.host ? ` on ${a.host}` : "";
  const lines = [`${a.folder}${where} (compose project ${a.projects.join(" or ")}):`];
  if (a.replaced.length === 0 && a.volumes.every((v) => !v.existing)) lines.push("  nothing of it runs under compose: the next up creates it");
  for (const r of a.replaced) lines.push(`  container ${r.container.name} (${r.container.state}, ${r.container.image}) → replaced by the program's ${r.service}, then health-checked`);
  for (const l of a.leftAlone) lines.push(`  container ${l.container.name}: ${l.why}`);
  for (const v of a.volumes) {
    if (!v.existing) lines.push(`  volume ${v.key}: none exists; created empty as ${v.declared}`);
    else if (v.existing.name === v.declared) lines.push(`  volume ${v.key}: ${v.existing.name} (${v.existing.size ?? "size unknown"}) kept with its data`);
    else lines.push(`  volume ${v.key}: ${v.existing.name} (${v.existing.size ?? "size unknown"}) kept with its data under its name (the program would have named it ${v.declared})`);
  }
  for (const v of a.undeclaredVolumes) lines.push(`  volume ${v.name} (${v.size ?? "size unknown"}): not declared by ${a.folder}/docker-compose.yml; left alone`);
  for (const n of a.networks) lines.push(`  network ${n.name}: removed with the compose containers, created again by the program`);
  if (a.images.length > 0) lines.push(`  images run by compose: ${a.images.join(", ")} (left in place; home-built ones are built again from the folder)`);
  for (const r of a.refusals) lines.push(`  REFUSED: ${r}`);
  return lines;
}
