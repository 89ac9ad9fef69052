import { Problem } from "../problems";
import { SnapshotSettings, StackKind } from "../settings";
import { KeyReport, NetworkIpam } from "../validate/composeProject";
import { ContainerSettings } from "../validate/containerSettings";

/**
 * The deployment plan: what each service folder becomes on one stack, with the stack's environment
 * applied (rewrites, secrets). Plain data, no Pulumi: the declare stage maps it onto resources.
 */
export interface DeploymentPlan {
  readonly stack: string;
  readonly kind: StackKind;
  readonly services: readonly ServicePlan[];
  /** Every service folder read, deployable or not. */
  readonly foldersRead: readonly string[];
  /** Create the networks compose calls external (once per machine) instead of looking them up. */
  readonly createExternalNetworks: boolean;
  /** Snapshot data volumes before a container that writes them is replaced (prod by default). */
  readonly snapshots?: SnapshotSettings;
  readonly problems: readonly Problem[];
}

export interface ServicePlan {
  /** Folder name: the component's name and every child's name prefix. */
  readonly folder: string;
  readonly dir: string;
  readonly projectName: string;
  /** The Docker host it runs on; undefined: the stack's default (dockerHost, else DOCKER_HOST). */
  readonly host?: string;
  readonly networks: readonly NetworkPlan[];
  readonly volumes: readonly VolumePlan[];
  readonly builtImages: readonly BuiltImagePlan[];
  readonly remoteImages: readonly string[];
  readonly containers: readonly ContainerPlan[];
  readonly keys: readonly KeyReport[];
  /** Test stack: how many production names were rewritten, per compose key or file. */
  readonly rewrites: Readonly<Record<string, number>>;
}

export interface NetworkPlan {
  readonly key: string;
  readonly name: string;
  /** False for external networks: joined by name, never created or deleted by this service. */
  readonly managed: boolean;
  readonly driver?: string;
  readonly driverOpts: Readonly<Record<string, string>>;
  readonly internal?: boolean;
  readonly attachable?: boolean;
  readonly ipv6?: boolean;
  readonly ipam?: NetworkIpam;
  readonly labels: Readonly<Record<string, string>>;
}

export interface VolumePlan {
  readonly key: string;
  readonly name: string;
  /** False for external volumes on prod: used by name, never created or deleted. */
  readonly managed: boolean;
  /** Prod data volumes: protected and retained, so no `up` or `destroy` can delete their data. */
  readonly protect: boolean;
  /**
   * A volume that existed before the stack (taken over from docker-compose): imported as it is, kept on
   * delete on every stack, its labels left as compose made them (Docker cannot change a volume's labels).
   */
  readonly adopted?: boolean;
  readonly driver?: string;
  readonly driverOpts: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
}

export interface BuiltImagePlan {
  /** The compose service that builds it. */
  readonly service: string;
  /** The compose `image:`, e.g. `registry.picasoft.net/pica-static:1.2.0`. */
  readonly imageName: string;
  /** The build context directory (repository-relative, or under the stable checkout of a revision). */
  readonly context: string;
  /** The Dockerfile, relative to the context. */
  readonly dockerfile: string;
  /** The context's files the builder receives (.dockerignore applied), relative to the context. */
  readonly files: readonly string[];
  /** Per file of `files`: a digest of its content and executable bit (what a plan names as changed). */
  readonly fileDigests: Readonly<Record<string, string>>;
  readonly args: Readonly<Record<string, string>>;
  readonly target?: string;
  readonly push: boolean;
  /** Hash of everything the build uses (files, Dockerfile path, args, target): a change rebuilds. */
  readonly buildHash: string;
}

export interface EnvVar {
  readonly name: string;
  readonly value: string;
  readonly secret: boolean;
}

export interface Upload {
  /** Path inside the container. */
  readonly target: string;
  /** Text content (rewritten on test), or base64 for binary files. */
  readonly content?: string;
  readonly contentBase64?: string;
  readonly secret: boolean;
  readonly executable: boolean;
  /** Where it comes from, for messages. */
  readonly origin: string;
}

export interface ContainerMount {
  readonly target: string;
  readonly readOnly: boolean;
  /** A named volume (its Docker name and, when managed here, its key), or an absolute host path. */
  readonly volume?: { readonly key: string; readonly name: string };
  readonly hostPath?: string;
  readonly anonymous?: boolean;
}

export interface HealthcheckPlan {
  readonly tests: readonly string[];
  readonly interval: string;
  readonly timeout: string;
  readonly startPeriod: string;
  readonly retries: number;
}

export interface ContainerPlan {
  readonly service: string;
  readonly name: string;
  /** A home-built image (by compose service, with its build hash) or a pulled one (by reference). */
  readonly image: { readonly built: string; readonly buildHash: string } | { readonly remote: string };
  readonly env: readonly EnvVar[];
  readonly labels: Readonly<Record<string, string>>;
  readonly ports: readonly { readonly internal: number; readonly external?: number; readonly ip: string; readonly protocol: string }[];
  readonly mounts: readonly ContainerMount[];
  readonly tmpfs: Readonly<Record<string, string>>;
  readonly uploads: readonly Upload[];
  readonly networks: readonly { readonly key: string; readonly name: string; readonly managed: boolean; readonly aliases: readonly string[]; readonly ipv4Address?: string; readonly ipv6Address?: string }[];
  readonly networkMode?: string;
  readonly healthcheck?: HealthcheckPlan;
  /** Wait for `healthy` at creation (containers with a healthcheck), for this many seconds. */
  readonly waitSeconds?: number;
  /** Compose's depends_on: created after those services have started, become healthy or completed. */
  readonly dependsOn: readonly { readonly service: string; readonly condition: "service_started" | "service_healthy" | "service_completed_successfully" }[];
  readonly removeAnonymousVolumes: boolean;
  /** What the stack never changes (command, restart, limits…), as read from the compose file. */
  readonly settings: ContainerSettings;
  /** How a replacement happens: start-first (no downtime) or stop-first, and why (replaceOrder.ts). */
  readonly replace: ReplaceStrategy;
  /** Hash of what the container runs (secret values excluded), carried as a label. */
  readonly inputsHash: string;
}

export interface ReplaceStrategy {
  readonly order: "start-first" | "stop-first";
  /** In words, for the plan: e.g. `it writes the named volume pad-db`. */
  readonly why: string;
}

/** Containers another one waits for to complete (`service_completed_successfully`): one-shot jobs, which may stop. */
export function oneShotJobs(services: readonly { readonly dependsOn: ContainerPlan["dependsOn"] }[]): ReadonlySet<string> {
  return new Set(services.flatMap((c) => c.dependsOn.filter((d) => d.condition === "service_completed_successfully").map((d) => d.service)));
}
