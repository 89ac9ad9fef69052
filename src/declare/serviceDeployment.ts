import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ContainerPlan, ServicePlan } from "../environment/plan";
import { RegistrySettings, StackKind } from "../settings";

export interface ServiceDeploymentArgs {
  readonly plan: ServicePlan;
  readonly kind: StackKind;
  readonly registry: RegistrySettings;
  /** Docker networks created by the stack for names compose calls external (test stacks only). */
  readonly externalNetworks: ReadonlyMap<string, docker.Network>;
}

/**
 * One service folder on one stack: its networks, volumes, images and containers. Logical names are
 * `<folder>/<compose key>`: stable across runs and commits, so renaming a compose service or
 * volume is a replacement and nothing else is.
 */
export class ServiceDeployment extends pulumi.ComponentResource {
  /** Compose service name → Docker container name. */
  readonly containers: Record<string, pulumi.Output<string>> = {};
  readonly images: Record<string, pulumi.Output<string>> = {};

  constructor(name: string, args: ServiceDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dockerfiles:service:Service", name, {}, opts);
    const { plan } = args;
    const parent = { parent: this };
    const prefix = plan.folder;

    const networks = new Map<string, pulumi.Output<string>>();
    for (const n of plan.networks) {
      if (n.managed) {
        const net = new docker.Network(`${prefix}/${n.key}`, {
          name: n.name,
          driver: n.driver,
          options: nonEmpty(n.driverOpts),
          internal: n.internal,
          attachable: n.attachable,
          ipv6: n.ipv6,
          labels: labelList(n.labels),
        }, parent);
        networks.set(n.key, net.name);
      } else {
        const created = args.externalNetworks.get(n.name);
        // External networks (Traefik's `proxy`) belong to the machine: looked up, never created here.
        networks.set(n.key, created ? created.name : docker.getNetworkOutput({ name: n.name }, parent).name);
      }
    }

    const volumes = new Map<string, pulumi.Output<string>>();
    for (const v of plan.volumes) {
      if (!v.managed) {
        volumes.set(v.key, pulumi.output(v.name));
        continue;
      }
      const vol = new docker.Volume(`${prefix}/${v.key}`, {
        name: v.name,
        driver: v.driver,
        driverOpts: nonEmpty(v.driverOpts),
        labels: labelList(v.labels),
      }, { ...parent, protect: v.protect, retainOnDelete: v.protect });
      volumes.set(v.key, vol.name);
    }

    const images = new Map<string, pulumi.Output<string>>();
    for (const img of plan.builtImages) {
      const image = new docker.Image(`${prefix}/${img.service}`, {
        imageName: img.imageName,
        build: {
          context: img.context,
          dockerfile: img.dockerfile,
          args: nonEmpty(img.args),
          target: img.target,
          // The classic builder needs no BuildKit frontend image: it builds on machines without a registry.
          builderVersion: "BuilderV1",
        },
        skipPush: !img.push,
        registry: img.push
          ? { server: args.registry.server, username: args.registry.username, password: args.registry.password === undefined ? undefined : pulumi.secret(args.registry.password) }
          : undefined,
      }, parent);
      // For local images repoDigest is the image ID: a rebuilt image replaces the container, a tag alone does not.
      images.set(img.service, image.repoDigest);
      this.images[img.service] = image.imageName;
    }
    for (const name of plan.remoteImages) {
      const remote = new docker.RemoteImage(`${prefix}/${name}`, { name, keepLocally: true }, parent);
      images.set(name, remote.imageId);
    }

    const created = new Map<string, docker.Container>();
    for (const c of plan.containers) {
      const image = "built" in c.image ? images.get(c.image.built)! : images.get(c.image.remote)!;
      const container = new docker.Container(`${prefix}/${c.service}`, containerArgs(c, image, networks, volumes), {
        ...parent,
        dependsOn: c.dependsOn.map((d) => created.get(d)).filter((x): x is docker.Container => x !== undefined),
        // Fixed names and host ports make create-before-delete fail with a conflict.
        deleteBeforeReplace: true,
        // The provider shows a healthcheck edit as an update that changes nothing on the container.
        replaceOnChanges: ["healthcheck"],
      });
      created.set(c.service, container);
      this.containers[c.service] = container.name;
    }

    this.registerOutputs({ containers: this.containers, images: this.images });
  }
}

function nonEmpty<T extends object>(o: T): T | undefined {
  return Object.keys(o).length === 0 ? undefined : o;
}

function labelList(labels: Readonly<Record<string, string>>): docker.types.input.ContainerLabel[] | undefined {
  const keys = Object.keys(labels).sort();
  return keys.length === 0 ? undefined : keys.map((label) => ({ label, value: labels[label] }));
}

/** Containers are declared in dependency order (compose's depends_on); the plan's order is the file's. */
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
    command: c.command ? [...c.command] : undefined,
    entrypoints: c.entrypoint ? [...c.entrypoint] : undefined,
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
    networksAdvanced: c.networks.length === 0 ? undefined : c.networks.map((n) => ({ name: networks.get(n.key)!, aliases: [...n.aliases], ipv4Address: n.ipv4Address })),
    restart: c.restart,
    maxRetryCount: c.maxRetryCount,
    healthcheck: c.healthcheck ? { ...c.healthcheck, tests: [...c.healthcheck.tests] } : undefined,
    wait: c.waitSeconds !== undefined ? true : undefined,
    waitTimeout: c.waitSeconds,
    init: c.init,
    user: c.user,
    workingDir: c.workingDir,
    hostname: c.hostname,
    domainname: c.domainname,
    hosts: c.hosts.length === 0 ? undefined : c.hosts.map((h) => ({ host: h.host, ip: h.ip })),
    capabilities: c.capAdd.length + c.capDrop.length === 0 ? undefined : { adds: [...c.capAdd], drops: [...c.capDrop] },
    logDriver: c.logDriver,
    logOpts: nonEmpty(c.logOpts),
    stopSignal: c.stopSignal,
    stopTimeout: c.stopTimeout,
    privileged: c.privileged,
    readOnly: c.readOnly,
    shmSize: c.shmSizeMb,
    sysctls: nonEmpty(c.sysctls),
    ulimits: c.ulimits.length === 0 ? undefined : c.ulimits.map((u) => ({ ...u })),
    dns: c.dns.length === 0 ? undefined : [...c.dns],
    memory: c.memoryMb,
    securityOpts: c.securityOpts.length === 0 ? undefined : [...c.securityOpts],
    groupAdds: c.groupAdd.length === 0 ? undefined : [...c.groupAdd],
    tty: c.tty,
    stdinOpen: c.stdinOpen,
    removeVolumes: c.removeAnonymousVolumes,
  };
}
