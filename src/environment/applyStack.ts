import { createHash } from "node:crypto";
import { error, Problem, warning } from "../problems";
import { dockerfileInContext, readBuildContext } from "../read/buildContext";
import { FileView, joinPath } from "../read/files";
import { StackSettings } from "../settings";
import { ComposeProject, ServiceDefinition } from "../validate/composeProject";
import { Lookup } from "../validate/interpolate";
import { planEnvironment, planFiles, planHealth } from "./containerInputs";
import { BuiltImagePlan, ContainerPlan, NetworkPlan, oneShotJobs, ServicePlan, VolumePlan } from "./plan";
import { replaceStrategy, withNameAlias } from "./replaceOrder";
import { SecretSource } from "./secrets";
import { productionNamesLeft, rewriteContainer, TestNames } from "./testNames";

import { LABELS } from "./labels";

export { LABELS };

/**
 * What the environment stage knows besides a service's compose project: the stack, the deploying
 * machine's variables, where build contexts lie. No file access: a folder's files come with it.
 */
export interface EnvironmentContext {
  readonly settings: StackSettings;
  /** The environment of the machine running the program (compose's variable source). */
  readonly environment: Lookup;
  /** Directory prefixed to build contexts (the stable checkout when deploying a git revision). */
  readonly buildRoot?: string;
}

/** The whole pipeline's input: where the service folders are read from, and the other stacks. */
export interface StackContext extends EnvironmentContext {
  readonly view: FileView;
  /** The prod stacks' settings (from their stack files): the test stack must not reach their machines. */
  readonly prodStacks?: readonly StackSettings[];
}

/** Why an image reference is not pinned, or undefined when it carries a precise tag or a digest. */
export function unpinnedReason(image: string): string | undefined {
  if (image.includes("@sha256:")) return undefined;
  const last = image.slice(image.lastIndexOf("/") + 1);
  const colon = last.indexOf(":");
  if (colon === -1) return "has no tag";
  const tag = last.slice(colon + 1);
  if (tag === "" ) return "has an empty tag";
  if (tag === "latest") return "uses the tag 'latest'";
  return undefined;
}

/**
 * Stage "apply the stack's environment": a validated compose project → the service's plan on this
 * stack. Test: production names rewritten everywhere a container reads them (never in image names),
 * example secrets. Prod: real secrets, images pushed, data volumes protected.
 */
export function planService(project: ComposeProject, ctx: EnvironmentContext): { plan?: ServicePlan; problems: Problem[] } {
  const { settings } = ctx;
  const { folder } = project;
  const problems: Problem[] = [];
  const networks = planNetworks(project);
  const volumes = planVolumes(project, settings.kind === "test", settings.adopted[folder.name]?.volumes ?? {});
  const builtImages: BuiltImagePlan[] = [];
  const remoteImages = new Set<string>();
  const containers: ContainerPlan[] = [];
  const rewrites = new Map<string, number>();
  const jobs = oneShotJobs(project.services);
  for (const svc of project.services) {
    const image = planImage(svc, project, ctx, problems);
    if (image.built) builtImages.push(image.built);
    else if (svc.image !== undefined) remoteImages.add(svc.image);
    const planned = planContainer(svc, project, ctx, { networks, volumes, image: image.ref }, problems);
    const replace = replaceStrategy(planned, svc, project, jobs.has(svc.name), problems);
    containers.push(finishContainer({ ...planned, replace }, svc, project, ctx, image.built, rewrites, problems));
  }
  if (problems.some((p) => p.severity === "error")) return { problems };
  return {
    plan: {
      folder: folder.name,
      dir: folder.dir,
      projectName: project.projectName,
      host: settings.hosts[folder.name] ?? settings.dockerHost,
      networks,
      volumes,
      builtImages,
      remoteImages: [...remoteImages].sort(),
      containers,
      keys: project.keys,
      rewrites: Object.fromEntries([...rewrites].sort()),
    },
    problems,
  };
}

function planNetworks(project: ComposeProject): NetworkPlan[] {
  return project.networks.map((n) => ({
    key: n.key,
    name: n.name,
    managed: !n.external,
    driver: n.driver,
    driverOpts: n.driverOpts,
    internal: n.internal,
    attachable: n.attachable,
    ipv6: n.ipv6,
    ipam: n.ipam,
    labels: n.labels,
  }));
}

function planVolumes(project: ComposeProject, isTest: boolean, adopted: Readonly<Record<string, string>>): VolumePlan[] {
  return project.volumes.map((v) => ({
    key: v.key,
    // An adopted volume keeps the name compose gave it (another project name, or compose before 1.21).
    name: adopted[v.key] ?? v.name,
    ...(adopted[v.key] === undefined ? {} : { adopted: true }),
    // The test procedure starts from empty volumes, external ones included: on test they belong to the stack.
    managed: isTest || !v.external,
    protect: !isTest,
    driver: v.driver,
    driverOpts: v.driverOpts,
    labels: v.labels,
  }));
}

/** The image a service runs: pinned, and for a home-built one, what it is built from. */
function planImage(svc: ServiceDefinition, project: ComposeProject, ctx: EnvironmentContext, problems: Problem[]): { ref: ContainerPlan["image"]; built?: BuiltImagePlan } {
  const doc = project.document;
  const image = svc.image ?? "";
  const unpinned = unpinnedReason(image);
  if (svc.image !== undefined && unpinned) {
    const pin = ctx.settings.conventions === "errors" ? error : warning;
    problems.push(pin(doc.file, `services.${svc.name}.image '${image}' ${unpinned}; pin a precise version so that every commit can be deployed again`, doc.locate([...svc.path, "image"])));
  }
  if (!svc.build) return { ref: { remote: image } };
  const built = planBuiltImage(svc, image, project.folder.files, ctx);
  problems.push(...built.problems.map((message) => error(doc.file, message, doc.locate([...svc.path, "build"]))));
  return { ref: { built: svc.name, buildHash: built.plan?.buildHash ?? "" }, built: built.plan };
}

/** The container as compose describes it, with this stack's secrets; before test rewrites and hashing. */
function planContainer(svc: ServiceDefinition, project: ComposeProject, ctx: EnvironmentContext, planned: { networks: NetworkPlan[]; volumes: VolumePlan[]; image: ContainerPlan["image"] }, problems: Problem[]): Omit<ContainerPlan, "inputsHash" | "replace"> {
  const secrets: SecretSource = { kind: ctx.settings.kind, view: project.folder.files, folder: project.folder.name, configured: ctx.settings.secrets, environment: ctx.environment };
  const files = planFiles(svc, project, secrets, planned.volumes, problems);
  const health = planHealth(svc, project, problems);
  return {
    service: svc.name,
    labels: svc.labels,
    name: svc.containerName ?? `${project.projectName}-${svc.name}`,
    image: planned.image,
    env: planEnvironment(svc, project, ctx, secrets, problems),
    ports: svc.ports.map((p) => ({ internal: p.target, external: p.published, ip: p.hostIp ?? "0.0.0.0", protocol: p.protocol })),
    ...files,
    networks: svc.networks.map((a) => {
      const n = planned.networks.find((x) => x.key === a.network)!;
      return { key: n.key, name: n.name, managed: n.managed, aliases: a.aliases, ipv4Address: a.ipv4Address, ipv6Address: a.ipv6Address };
    }),
    networkMode: svc.networkMode,
    ...health,
    dependsOn: svc.dependsOn,
    removeAnonymousVolumes: ctx.settings.kind === "test",
    settings: svc.settings,
  };
}

/**
 * On the test stack every production name rewritten (what cannot be is an error at its line); then
 * the start-first alias, the identity labels and the hash of the container's inputs.
 */
function finishContainer(planned: Omit<ContainerPlan, "inputsHash">, svc: ServiceDefinition, project: ComposeProject, ctx: EnvironmentContext, built: BuiltImagePlan | undefined, rewrites: Map<string, number>, problems: Problem[]): ContainerPlan {
  const { settings } = ctx;
  let base = planned;
  if (settings.kind === "test") {
    // Image references keep pointing at production images: the registry's host is never rewritten.
    const testNames: TestNames = { rules: settings.rewrites, keep: [settings.registry.server, ...settings.keepProductionNames.map((k) => k.name)] };
    const rewritten = rewriteContainer(planned, testNames);
    base = rewritten.container;
    for (const [what, n] of rewritten.counts) rewrites.set(what, (rewrites.get(what) ?? 0) + n);
    problems.push(...productionNamesLeft(base, svc, project.document, built, testNames));
  }
  // After the test names: the alias is the (already checked) container name.
  base = withNameAlias(base, base.replace);
  const labels = { ...base.labels, [LABELS.stack]: settings.stack, [LABELS.folder]: project.folder.name, [LABELS.service]: svc.name };
  const inputsHash = hashInputs({ ...base, labels });
  return { ...base, labels: { ...labels, [LABELS.inputs]: inputsHash }, inputsHash };
}

/**
 * A home-built image: its context's files (what the builder receives) and a hash of everything the
 * build uses. The hash, not the provider, decides rebuilds and the replacement of the containers that
 * run the image, so the preview knows both exactly.
 */
function planBuiltImage(svc: ServiceDefinition, imageName: string, files: FileView, ctx: EnvironmentContext): { plan?: BuiltImagePlan; problems: string[] } {
  const build = svc.build!;
  const where = `services.${svc.name}.build`;
  if (files.kind(build.dockerfile) !== "file") return { problems: [`${where}: no Dockerfile at ${build.dockerfile}`] };
  if (!dockerfileInContext(build.context, build.dockerfile)) {
    return { problems: [`${where}: the Dockerfile ${build.dockerfile} lies outside the build context ${build.context || "."}; move it into the context`] };
  }
  const context = readBuildContext(files, build.context, build.dockerfile);
  const odd = context.files.find((f) => /[\n\r]/.test(f));
  if (odd !== undefined) return { problems: [`${where}: the file name ${JSON.stringify(odd)} in the build context holds a line break; rename it`] };
  const dockerfile = context.dockerfile;
  const buildHash = createHash("sha256").update(stableJson({ files: context.digest, dockerfile, args: build.args, target: build.target })).digest("hex").slice(0, 16);
  return {
    plan: {
      service: svc.name,
      imageName,
      context: joinPath(ctx.buildRoot ?? "", build.context) || ".",
      dockerfile,
      files: context.files,
      fileDigests: context.fileDigests,
      args: build.args,
      target: build.target,
      push: ctx.settings.kind === "prod",
      buildHash,
    },
    problems: [],
  };
}

/**
 * A digest of what the container runs. Secret values are left out (a hash of a weak password in a
 * label could be brute-forced); in-place updatable settings (restart, memory) too, so that the label
 * changes only when the container is replaced anyway. A home-built image enters through its build
 * hash: a rebuild replaces the container, and the preview knows it without building.
 */
function hashInputs(c: Omit<ContainerPlan, "inputsHash">): string {
  // depends_on orders creation, the replace strategy how a replacement happens; neither changes the
  // container itself. The settings are hashed as fields of the container, so that moving a key into
  // the settings model replaces nothing.
  const { settings, dependsOn: _d, replace: _o, ...container } = c;
  const { restart: _r, maxRetryCount: _m, memoryMb: _mem, ...hashedSettings } = settings;
  const sanitised = {
    ...container,
    ...hashedSettings,
    env: c.env.map((e) => (e.secret ? { name: e.name, secret: true } : e)),
    uploads: c.uploads.map((u) => (u.secret ? { target: u.target, secret: true } : u)),
  };
  return createHash("sha256").update(stableJson(sanitised)).digest("hex").slice(0, 16);
}

export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(",")}]`;
  if (v && typeof v === "object") {
    return `{${Object.keys(v).filter((k) => (v as Record<string, unknown>)[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  return JSON.stringify(v);
}
