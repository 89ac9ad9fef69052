/**
 * What already runs on a Docker host, read once before adoption: every container (with its compose
 * labels, named volumes and networks), every volume (with its labels and size) and every network.
 */
import { execFileSync } from "node:child_process";

export interface LiveContainer {
  readonly id: string;
  readonly name: string;
  readonly image: string;
  readonly state: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Names of the named volumes it mounts. */
  readonly volumes: readonly string[];
  readonly networks: readonly string[];
}

export interface LiveVolume {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** As `docker system df -v` says it (e.g. `12.5MB`), when known. */
  readonly size?: string;
}

export interface LiveNetwork {
  readonly id: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface Inventory {
  readonly host?: string;
  readonly containers: readonly LiveContainer[];
  readonly volumes: readonly LiveVolume[];
  readonly networks: readonly LiveNetwork[];
}

interface InspectedContainer {
  Id: string;
  Name: string;
  Config: { Image: string; Labels?: Record<string, string> | null };
  State: { Status: string };
  Mounts?: { Type: string; Name?: string }[];
  NetworkSettings?: { Networks?: Record<string, unknown> | null };
}

function dockerOn(host: string | undefined): (...args: string[]) => string {
  return (...args) => execFileSync("docker", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: host ? { ...process.env, DOCKER_HOST: host } : process.env, maxBuffer: 256 * 1024 * 1024 });
}

function ids(out: string): string[] {
  return out.split("\n").map((l) => l.trim()).filter((l) => l !== "");
}

export function readInventory(host: string | undefined): Inventory {
  const docker = dockerOn(host);
  const containerIds = ids(docker("ps", "-aq", "--no-trunc"));
  const inspected = containerIds.length === 0 ? [] : (JSON.parse(docker("inspect", "--type", "container", ...containerIds)) as InspectedContainer[]);
  const containers = inspected.map((c) => ({
    id: c.Id,
    name: c.Name.replace(/^\//, ""),
    image: c.Config.Image,
    state: c.State.Status,
    labels: c.Config.Labels ?? {},
    volumes: (c.Mounts ?? []).filter((m) => m.Type === "volume" && m.Name).map((m) => m.Name!),
    networks: Object.keys(c.NetworkSettings?.Networks ?? {}),
  }));
  const volumeNames = ids(docker("volume", "ls", "-q"));
  const sizes = new Map((JSON.parse(docker("system", "df", "-v", "--format", "{{json .Volumes}}") || "[]") as { Name: string; Size: string }[] | null ?? []).map((v) => [v.Name, v.Size]));
  const volumes = volumeNames.length === 0 ? [] : (JSON.parse(docker("volume", "inspect", ...volumeNames)) as { Name: string; Labels?: Record<string, string> | null }[]).map((v) => ({
    name: v.Name,
    labels: v.Labels ?? {},
    size: sizes.get(v.Name),
  }));
  const networkIds = ids(docker("network", "ls", "-q", "--no-trunc"));
  const networks = networkIds.length === 0 ? [] : (JSON.parse(docker("network", "inspect", ...networkIds)) as { Id: string; Name: string; Labels?: Record<string, string> | null }[]).map((n) => ({
    id: n.Id,
    name: n.Name,
    labels: n.Labels ?? {},
  }));
  return { host, containers, volumes, networks };
}
