import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ContainerPlan, oneShotJobs, ServicePlan } from "../environment/plan";
import { RegistrySettings, SnapshotSettings, StackKind } from "../settings";
import { renderContainerSettings } from "../validate/containerSettings";
import { containerWait, imageBuild } from "./dockerCommands";
import { handover, HandoverSettings, makeWay } from "./handover";
import { Container } from "./leanResources";
import { snapshotBeforeReplace } from "./volumeSnapshots";

export interface ServiceDeploymentArgs {
  readonly plan: ServicePlan;
  readonly kind: StackKind;
  readonly registry: RegistrySettings;
  /** What makes the networks compose calls external exist on this machine (test stacks), by name. */
  readonly externalNetworks: ReadonlyMap<string, pulumi.Resource>;
  /** Snapshot the data volumes a container writes before it is replaced (prod by default). */
  readonly snapshots?: SnapshotSettings;
  /** The stack's name: a start-first replacement renames only this stack's container. */
  readonly stack: string;
  /** How a start-first replacement hands the service over (the stack's handoverSeconds, traefikOutsideDocker). */
  readonly handover: HandoverSettings;
}

/** The image a container runs, and what must exist before it. */
interface ImageRef {
  readonly ref: pulumi.Input<string>;
  readonly after: pulumi.Resource[];
}

/** How a container is reached by the containers that depend on it. */
interface Declared {
  readonly container: Container;
  /** The health wait, for containers with a healthcheck. */
  readonly healthy?: pulumi.Resource;
  /** The wait for a one-shot container to exit with code 0, when another service depends on it so. */
  readonly completed?: pulumi.Resource;
}

/** How long `up` waits for a one-shot container (a migration) to complete. */
const COMPLETION_TIMEOUT_SECONDS = 30 * 60;

/**
 * One service folder on one stack: its networks, volumes, images and containers. Logical names are
 * `<folder>/<compose key>`: stable across runs and commits, so renaming a compose service or
 * volume is a replacement and nothing else is.
 */
export class ServiceDeployment extends pulumi.ComponentResource {
  /** Compose service name → Docker container name. */
  readonly containers: Record<string, pulumi.Output<string>> = {};
  readonly images: Record<string, pulumi.Output<string>> = {};
  /** Every resource it declares, in order (src/declare/declarationWindow.ts waits for their registration). */
  readonly resources: pulumi.Resource[] = [];

  constructor(name: string, args: ServiceDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dockerfiles:service:Service", name, {}, opts);
    const { plan } = args;
    const networks = this.declareNetworks(plan, args.externalNetworks);
    const volumes = this.declareVolumes(plan);
    const images = this.declareImages(plan, args.registry);
    const declared = new Map<string, Declared>();
    // Containers others wait for to complete are one-shot jobs: they may stop, and that is success.
    const jobs = oneShotJobs(plan.containers);
    for (const c of inDependencyOrder(plan.containers)) {
      const image = "built" in c.image ? images.built.get(c.image.built)! : images.remote.get(c.image.remote)!;
      const after = [...image.after, ...networks.after, ...c.dependsOn.map((d) => dependencyOf(declared.get(d.service)!, d.condition))];
      const snapshots = this.declareSnapshots(plan, c, args.snapshots, after);
      const makeWay = c.replace.order === "start-first" ? [this.declareMakeWay(plan, c, args.stack, image.ref, after)] : [];
      declared.set(c.service, this.declareContainer(plan, c, { image: image.ref, networks: networks.names, volumes, job: jobs.has(c.service), stack: args.stack, handover: args.handover }, [...after, ...snapshots, ...makeWay]));
    }
    this.registerOutputs({ containers: this.containers, images: this.images });
  }

  /** A resource of this folder, kept in `resources`. */
  private own<R extends pulumi.Resource>(resource: R): R {
    this.resources.push(resource);
    return resource;
  }

  private declareNetworks(plan: ServicePlan, externalNetworks: ReadonlyMap<string, pulumi.Resource>): { names: Map<string, pulumi.Input<string>>; after: pulumi.Resource[] } {
    const names = new Map<string, pulumi.Input<string>>();
    const after: pulumi.Resource[] = [];
    for (const n of plan.networks) {
      const made = externalNetworks.get(n.name);
      if (n.managed) {
        const net = this.own(new docker.Network(`${plan.folder}/${n.key}`, {
          name: n.name,
          driver: n.driver,
          options: nonEmpty(n.driverOpts),
          internal: n.internal,
          attachable: n.attachable,
          ipv6: n.ipv6,
          ipamDriver: n.ipam?.driver,
          ipamOptions: n.ipam?.options && { ...n.ipam.options },
          ipamConfigs: n.ipam?.configs.map((c) => ({ ...c, auxAddress: c.auxAddress && { ...c.auxAddress } })),
          labels: labelList(n.labels),
        }, { parent: this }));
        names.set(n.key, net.name);
      } else if (made) {
        names.set(n.key, n.name);
        after.push(made);
      } else {
        // External networks (Traefik's `proxy`) belong to the machine: looked up, never created here.
        names.set(n.key, docker.getNetworkOutput({ name: n.name }, { parent: this }).name);
      }
    }
    return { names, after };
  }

  private declareVolumes(plan: ServicePlan): Map<string, pulumi.Input<string>> {
    const volumes = new Map<string, pulumi.Input<string>>();
    for (const v of plan.volumes) {
      if (!v.managed) {
        volumes.set(v.key, v.name);
        continue;
      }
      const vol = this.own(new docker.Volume(`${plan.folder}/${v.key}`, {
        name: v.name,
        driver: v.driver,
        driverOpts: nonEmpty(v.driverOpts),
        labels: labelList(v.labels),
      }, {
        parent: this,
        protect: v.protect,
        retainOnDelete: v.protect || v.adopted,
        // Taken over from docker-compose: read as it is (its data kept), with the labels compose gave it.
        ...(v.adopted ? { import: v.name, ignoreChanges: ["labels"] } : {}),
      }));
      volumes.set(v.key, vol.name);
    }
    return volumes;
  }

  /**
   * Home-built images are referenced by name: the container's inputs label carries the build hash,
   * so a rebuild replaces it and the preview says so without building (no `[unknown]` image ID).
   */
  private declareImages(plan: ServicePlan, registry: RegistrySettings): { built: Map<string, ImageRef>; remote: Map<string, ImageRef> } {
    const built = new Map<string, ImageRef>();
    const remote = new Map<string, ImageRef>();
    for (const img of plan.builtImages) {
      const build = this.own(imageBuild(`${plan.folder}/${img.service}/image`, `${plan.folder}/${img.service}`, img, registry, plan.host, { parent: this }));
      built.set(img.service, { ref: img.imageName, after: [build] });
      this.images[img.service] = pulumi.output(img.imageName);
    }
    for (const name of plan.remoteImages) {
      const pulled = this.own(new docker.RemoteImage(`${plan.folder}/${name}`, { name, keepLocally: true }, { parent: this }));
      remote.set(name, { ref: pulled.imageId, after: [] });
    }
    return { built, remote };
  }

  /**
   * The snapshots taken before the container is replaced, one per named volume it writes; after what
   * the container waits for (a failed build stops nothing), before the container itself.
   */
  private declareSnapshots(plan: ServicePlan, c: ContainerPlan, settings: SnapshotSettings | undefined, after: pulumi.Resource[]): pulumi.Resource[] {
    if (!settings) return [];
    const written = [...new Map(c.mounts.filter((m) => m.volume && !m.readOnly).map((m) => [m.volume!.key, m.volume!])).values()];
    return written.map((v) => this.own(snapshotBeforeReplace(`${plan.folder}/${c.service}/snapshot-${v.key}`,
      { who: `${plan.folder}/${c.service}`, container: c.name, inputsHash: c.inputsHash, volume: v.name }, settings, plan.host, { parent: this, dependsOn: after })));
  }

  /** Start-first: what renames the container being replaced, after what the new one waits for (a failed build renames nothing). */
  private declareMakeWay(plan: ServicePlan, c: ContainerPlan, stack: string, image: pulumi.Input<string>, after: pulumi.Resource[]): pulumi.Resource {
    return this.own(makeWay(`${plan.folder}/${c.service}/make-way`, { who: `${plan.folder}/${c.service}`, stack, container: c.name, inputsHash: c.inputsHash, image }, plan.host, { parent: this, dependsOn: after }));
  }

  private declareContainer(plan: ServicePlan, c: ContainerPlan, refs: { image: pulumi.Input<string>; networks: ReadonlyMap<string, pulumi.Input<string>>; volumes: ReadonlyMap<string, pulumi.Input<string>>; job: boolean; stack: string; handover: HandoverSettings }, after: pulumi.Resource[]): Declared {
    const who = `${plan.folder}/${c.service}`;
    // A job's container stops when done: the provider must not restart it at every update.
    const args = { ...containerArgs(c, refs.image, refs.networks, refs.volumes), ...(refs.job ? { mustRun: false } : {}) };
    const startFirst = c.replace.order === "start-first";
    const container = this.own(new Container(who, args, {
      parent: this,
      dependsOn: after,
      // Stop-first. Start-first: created before the old one is deleted; make-way frees the name.
      deleteBeforeReplace: !startFirst,
      // The provider shows a healthcheck edit as an update that changes nothing on the container.
      replaceOnChanges: ["healthcheck"],
    }));
    this.containers[c.service] = container.name;
    const opts = { parent: this, dependsOn: [container] };
    const healthy = c.waitSeconds === undefined ? undefined : this.own(containerWait("healthy", `${who}/healthy`, who, container.name, container.id, c.waitSeconds, plan.host, opts));
    if (startFirst && healthy) {
      const of = { who, stack: refs.stack, folder: plan.folder, service: c.service, settings: refs.handover, stopGraceSeconds: c.settings.stopTimeout ?? 10 };
      this.own(handover(`${who}/handover`, of, container.name, container.id, plan.host, { parent: this, dependsOn: [healthy] }));
    }
    const completed = refs.job ? this.own(containerWait("completed", `${who}/completed`, who, container.name, container.id, COMPLETION_TIMEOUT_SECONDS, plan.host, opts)) : undefined;
    return { container, healthy, completed };
  }
}

/** What a dependent container waits for: the dependency's creation, its health check, or its completion. */
function dependencyOf(d: Declared, condition: ContainerPlan["dependsOn"][number]["condition"]): pulumi.Resource {
  if (condition === "service_healthy" && d.healthy) return d.healthy;
  if (condition === "service_completed_successfully" && d.completed) return d.completed;
  return d.container;
}

/**
 * Containers in an order where each comes after what it depends on (compose's depends_on), whatever
 * the order of the file; ties keep the file's order. Cycles are refused by validation before this.
 */
export function inDependencyOrder(containers: readonly ContainerPlan[]): ContainerPlan[] {
  const byService = new Map(containers.map((c) => [c.service, c]));
  const ordered: ContainerPlan[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (c: ContainerPlan): void => {
    if (state.get(c.service) === "done") return;
    if (state.get(c.service) === "visiting") throw new Error(`depends_on cycle through ${c.service}`);
    state.set(c.service, "visiting");
    for (const d of c.dependsOn) {
      const dep = byService.get(d.service);
      if (dep) visit(dep);
    }
    state.set(c.service, "done");
    ordered.push(c);
  };
  containers.forEach(visit);
  return ordered;
}

function nonEmpty<T extends object>(o: T): T | undefined {
  return Object.keys(o).length === 0 ? undefined : o;
}

function labelList(labels: Readonly<Record<string, string>>): docker.types.input.ContainerLabel[] | undefined {
  const keys = Object.keys(labels).sort();
  return keys.length === 0 ? undefined : keys.map((label) => ({ label, value: labels[label] }));
}

/** The provider's arguments for one planned container. */
export function containerArgs(
  c: ContainerPlan,
  image: pulumi.Input<string>,
  networks: ReadonlyMap<string, pulumi.Input<string>>,
  volumes: ReadonlyMap<string, pulumi.Input<string>>,
): docker.ContainerArgs {
  const envs = c.env.map((e) => `${e.name}=${e.value}`);
  const anySecretEnv = c.env.some((e) => e.secret);
  return {
    name: c.name,
    image,
    envs: envs.length === 0 ? undefined : anySecretEnv ? pulumi.secret(envs) : envs,
    labels: labelList(c.labels),
    ports: c.ports.length === 0 ? undefined : c.ports.map((p) => ({ internal: p.internal, external: p.external, ip: p.ip, protocol: p.protocol })),
    volumes: c.mounts.filter((m) => !m.anonymous).length === 0 ? undefined : c.mounts.filter((m) => !m.anonymous).map((m) => ({
      containerPath: m.target,
      readOnly: m.readOnly || undefined,
      volumeName: m.volume ? volumes.get(m.volume.key) : undefined,
      hostPath: m.hostPath,
    })),
    mounts: c.mounts.some((m) => m.anonymous) ? c.mounts.filter((m) => m.anonymous).map((m) => ({ target: m.target, type: "volume", readOnly: m.readOnly || undefined })) : undefined,
    tmpfs: nonEmpty(c.tmpfs),
    uploads: c.uploads.length === 0 ? undefined : c.uploads.map((u) => ({
      file: u.target,
      content: u.content === undefined ? undefined : u.secret ? pulumi.secret(u.content) : u.content,
      contentBase64: u.contentBase64,
      executable: u.executable || undefined,
    })),
    networkMode: c.networkMode,
    networksAdvanced: c.networks.length === 0 ? undefined : c.networks.map((n) => ({ name: networks.get(n.key)!, aliases: [...n.aliases], ipv4Address: n.ipv4Address, ipv6Address: n.ipv6Address })),
    healthcheck: c.healthcheck ? { ...c.healthcheck, tests: [...c.healthcheck.tests] } : undefined,
    removeVolumes: c.removeAnonymousVolumes,
    ...renderContainerSettings(c.settings),
  };
}
