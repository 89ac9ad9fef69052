import { createHash } from "node:crypto";
import { error, Problem, warning } from "../problems";
import { FileView, joinPath, listFilesBelow, readText } from "../read/files";
import { StackSettings } from "../settings";
import { ComposeProject, ServiceDefinition } from "../validate/composeProject";
import { goDuration } from "../validate/durations";
import { envFileProblems, parseEnvFile } from "../validate/envFile";
import { Lookup } from "../validate/interpolate";
import { dockerfileInContext, readBuildContext } from "../read/buildContext";
import { BuiltImagePlan, ContainerPlan, EnvVar, ServicePlan, Upload, ContainerMount, HealthcheckPlan } from "./plan";
import { productionNamesLeft, rewriteContainer, TestNames } from "./testNames";
import { isSecretEnvFile, resolveSecretEnvFile, resolveSecretFile, SecretSource } from "./secrets";

/** Labels every container carries, so `docker ps` tells where a container comes from. */
export const LABELS = {
  stack: "dockerfiles.stack",
  folder: "dockerfiles.folder",
  service: "dockerfiles.service",
  inputs: "dockerfiles.inputs",
} as const;

export interface StackContext {
  readonly settings: StackSettings;
  readonly view: FileView;
  /** The environment of the machine running the program (compose's variable source). */
  readonly environment: Lookup;
  /** Directory prefixed to build contexts (the stable checkout when deploying a git revision). */
  readonly buildRoot?: string;
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

/** The registry host of an image reference (`docker.io` for Docker Hub names). */
export function registryOf(image: string): string {
  const first = image.split("/")[0];
  return image.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost") ? first : "docker.io";
}

/**
 * Stage "apply the stack's environment": a validated compose project → the service's plan on this
 * stack. Test: rewrites on Traefik labels, environment values and mounted config files (never on
 * images), example secrets. Prod: real secrets, images pushed, data volumes protected.
 */
export function planService(project: ComposeProject, ctx: StackContext): { plan?: ServicePlan; problems: Problem[] } {
  const { settings, view } = ctx;
  const { folder, document: doc } = project;
  const problems: Problem[] = [];
  const isTest = settings.kind === "test";
  const protectedNames = [settings.registry.server];
  // Image references keep pointing at production images: the registry's host is never rewritten.
  const testNames: TestNames = { rules: settings.rewrites, keep: [...protectedNames, ...settings.keepProductionNames.map((k) => k.name)] };
  const rewrites = new Map<string, number>();
  const secretSource: SecretSource = { kind: settings.kind, view, folder: folder.name, configured: settings.secrets, environment: ctx.environment };

  const networks = project.networks.map((n) => ({
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
  const volumes = project.volumes.map((v) => ({
    key: v.key,
    name: v.name,
    // The test procedure starts from empty volumes, external ones included: on test they belong to the stack.
    managed: isTest || !v.external,
    protect: !isTest,
    driver: v.driver,
    driverOpts: v.driverOpts,
    labels: v.labels,
  }));

  const builtImages: BuiltImagePlan[] = [];
  const remoteImages = new Set<string>();
  const containers: ContainerPlan[] = [];
  const byService = new Map(project.services.map((s) => [s.name, s]));

  for (const svc of project.services) {
    const image = svc.image ?? "";
    const unpinned = unpinnedReason(image);
    if (svc.image !== undefined && unpinned) {
      problems.push(error(doc.file, `services.${svc.name}.image '${image}' ${unpinned}; pin a precise version so that every commit can be deployed again`, doc.locate([...svc.path, "image"])));
    }
    let buildHash: string | undefined;
    if (svc.build) {
      const built = planBuiltImage(svc, image, ctx);
      problems.push(...built.problems.map((message) => error(doc.file, message, doc.locate([...svc.path, "build"]))));
      if (built.plan) builtImages.push(built.plan);
      buildHash = built.plan?.buildHash;
    } else if (svc.image !== undefined) {
      remoteImages.add(image);
    }

    // Environment: env_files first, then `environment:` (compose's precedence), sorted for stable diffs.
    const env = new Map<string, EnvVar>();
    for (const ref of svc.envFiles) {
      const refAt = doc.locate(ref.path);
      if (isSecretEnvFile(ref.file)) {
        const r = resolveSecretEnvFile(secretSource, ref.file, doc, refAt);
        problems.push(...r.problems);
        for (const e of r.entries) env.set(e.name, { name: e.name, value: e.value, secret: true });
        continue;
      }
      const text = readText(view, ref.file);
      if (text === undefined) {
        if (ref.required) problems.push(error(doc.file, `env_file ${ref.file} does not exist; create it or mark it 'required: false'`, refAt));
        continue;
      }
      const parsed = parseEnvFile(text, ctx.environment);
      problems.push(...envFileProblems(ref.file, parsed.problems));
      for (const e of parsed.entries) env.set(e.name, { name: e.name, value: e.value, secret: false });
    }
    for (const e of svc.environment) {
      const value = e.value ?? ctx.environment(e.name);
      if (value === undefined) continue;
      env.set(e.name, { name: e.name, value, secret: false });
    }


    const uploads: Upload[] = [];
    const mounts: ContainerMount[] = [];
    const tmpfs: Record<string, string> = {};
    for (const m of svc.mounts) {
      const mAt = doc.locate(m.path);
      if (m.type === "tmpfs") {
        tmpfs[m.target] = "";
      } else if (m.type === "volume") {
        if (m.source === undefined) {
          problems.push(warning(doc.file, `services.${svc.name}: anonymous volume at ${m.target} loses its data whenever the container is replaced; declare a named volume for data`, mAt));
          mounts.push({ target: m.target, readOnly: m.readOnly, anonymous: true });
        } else {
          const v = volumes.find((x) => x.key === m.source)!;
          mounts.push({ target: m.target, readOnly: m.readOnly, volume: { key: v.key, name: v.name } });
        }
      } else if (!m.inFolder) {
        mounts.push({ target: m.target, readOnly: m.readOnly, hostPath: m.source });
      } else {
        // Files of the service folder are delivered into the container (rewritten on test), so the
        // Docker host needs no checkout and a content change replaces the container.
        const kind = view.kind(m.source);
        if (kind === undefined) {
          problems.push(error(doc.file, `services.${svc.name}: bind mount source ${m.source} does not exist; commit the file, or use a named volume for data`, mAt));
          continue;
        }
        const files = kind === "dir" ? listFilesBelow(view, m.source) : [m.source];
        for (const f of files) {
          const target = kind === "dir" ? `${m.target.replace(/\/$/, "")}/${f.slice(m.source.length + 1)}` : m.target;
          uploads.push(fileUpload(view, f, target));
        }
      }
    }
    for (const s of svc.secrets) {
      const def = project.secrets.find((d) => d.key === s.source);
      if (!def) continue;
      const r = resolveSecretFile(secretSource, def.key, def.source, doc, doc.locate(s.path));
      problems.push(...r.problems);
      if (r.content !== undefined) uploads.push({ target: s.target, content: r.content, secret: true, executable: false, origin: `secret ${def.key}` });
    }

    const healthcheck = svc.healthcheck === undefined ? undefined : svc.healthcheck === "disabled" ? ({ tests: ["NONE"], interval: "0s", timeout: "0s", startPeriod: "0s", retries: 0 } satisfies HealthcheckPlan) : {
      tests: svc.healthcheck.test,
      interval: goDuration(svc.healthcheck.intervalMs ?? 0),
      timeout: goDuration(svc.healthcheck.timeoutMs ?? 0),
      startPeriod: goDuration(svc.healthcheck.startPeriodMs ?? 0),
      retries: svc.healthcheck.retries ?? 0,
    };
    const waitSeconds = svc.healthcheck !== undefined && svc.healthcheck !== "disabled" ? healthWaitSeconds(svc) : undefined;

    for (const d of svc.dependsOn) {
      const dep = byService.get(d.service);
      if (d.condition === "service_healthy" && dep && (dep.healthcheck === undefined || dep.healthcheck === "disabled")) {
        problems.push(error(doc.file, `services.${svc.name}.depends_on.${d.service}: condition service_healthy needs a healthcheck on ${d.service}`, doc.locate([...svc.path, "depends_on"])));
      }
    }

    const networksOf = svc.networks.map((a) => {
      const n = networks.find((x) => x.key === a.network)!;
      return { key: n.key, name: n.name, managed: n.managed, aliases: a.aliases, ipv4Address: a.ipv4Address };
    });

    const planned = {
      service: svc.name,
      labels: svc.labels,
      name: svc.containerName ?? `${project.projectName}-${svc.name}`,
      image: svc.build ? { built: svc.name, buildHash: buildHash ?? "" } : { remote: image },
      env: [...env.values()].sort((a, b) => a.name.localeCompare(b.name)),
      ports: svc.ports.map((p) => ({ internal: p.target, external: p.published, ip: p.hostIp ?? "0.0.0.0", protocol: p.protocol })),
      mounts,
      tmpfs,
      uploads: uploads.sort((a, b) => a.target.localeCompare(b.target)),
      networks: networksOf,
      networkMode: svc.networkMode,
      healthcheck,
      waitSeconds,
      dependsOn: svc.dependsOn,
      removeAnonymousVolumes: isTest,
      settings: svc.settings,
    };
    // Test: every production name rewritten; what cannot be is an error at its line.
    let base: Omit<ContainerPlan, "inputsHash"> = planned;
    if (isTest) {
      const rewritten = rewriteContainer(planned, testNames);
      base = rewritten.container;
      for (const [what, n] of rewritten.counts) rewrites.set(what, (rewrites.get(what) ?? 0) + n);
      problems.push(...productionNamesLeft(base, svc, doc, builtImages.find((b) => b.service === svc.name), testNames));
    }
    const labels = { ...base.labels, [LABELS.stack]: settings.stack, [LABELS.folder]: folder.name, [LABELS.service]: svc.name };
    const inputsHash = hashInputs({ ...base, labels });
    containers.push({ ...base, labels: { ...labels, [LABELS.inputs]: inputsHash }, inputsHash });
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

/**
 * A home-built image: its context's files (what the builder receives) and a hash of everything the
 * build uses. The hash, not the provider, decides rebuilds and the replacement of the containers that
 * run the image, so the preview knows both exactly.
 */
function planBuiltImage(svc: ServiceDefinition, imageName: string, ctx: StackContext): { plan?: BuiltImagePlan; problems: string[] } {
  const build = svc.build!;
  const where = `services.${svc.name}.build`;
  if (ctx.view.kind(build.dockerfile) !== "file") return { problems: [`${where}: no Dockerfile at ${build.dockerfile}`] };
  if (!dockerfileInContext(build.context, build.dockerfile)) {
    return { problems: [`${where}: the Dockerfile ${build.dockerfile} lies outside the build context ${build.context || "."}; move it into the context`] };
  }
  const context = readBuildContext(ctx.view, build.context, build.dockerfile);
  const odd = context.files.find((f) => /[\n\r]/.test(f));
  if (odd !== undefined) return { problems: [`${where}: the file name ${JSON.stringify(odd)} in the build context holds a line break; rename it`] };
  const dockerfile = build.context === "" ? build.dockerfile : build.dockerfile.slice(build.context.length + 1);
  const buildHash = createHash("sha256").update(stableJson({ files: context.digest, dockerfile, args: build.args, target: build.target })).digest("hex").slice(0, 16);
  return {
    plan: {
      service: svc.name,
      imageName,
      context: joinPath(ctx.buildRoot ?? "", build.context) || ".",
      dockerfile,
      files: context.files,
      args: build.args,
      target: build.target,
      push: ctx.settings.kind === "prod",
      buildHash,
    },
    problems: [],
  };
}

function fileUpload(view: FileView, file: string, target: string): Upload {
  const bytes = view.readBytes(file) ?? Buffer.alloc(0);
  const executable = view.isExecutable?.(file) ?? false;
  if (bytes.includes(0)) return { target, contentBase64: bytes.toString("base64"), secret: false, executable, origin: file };
  return { target, content: bytes.toString("utf8"), secret: false, executable, origin: file };
}

/** How long `up` waits for `healthy`: what Docker itself allows before calling it unhealthy, plus a margin. */
function healthWaitSeconds(svc: ServiceDefinition): number {
  const h = svc.healthcheck as Exclude<ServiceDefinition["healthcheck"], "disabled" | undefined>;
  const interval = h.intervalMs || 30_000;
  const timeout = h.timeoutMs || 30_000;
  const retries = h.retries ?? 3;
  const total = (h.startPeriodMs ?? 0) + (interval + timeout) * (retries + 1);
  return Math.max(60, Math.ceil(total / 1000) + 30);
}

/**
 * A digest of what the container runs. Secret values are left out (a hash of a weak password in a
 * label could be brute-forced); in-place updatable settings (restart, memory) too, so that the label
 * changes only when the container is replaced anyway. A home-built image enters through its build
 * hash: a rebuild replaces the container, and the preview knows it without building.
 */
function hashInputs(c: Omit<ContainerPlan, "inputsHash">): string {
  // depends_on orders creation; it changes nothing in the container itself. The settings are hashed
  // as fields of the container, so that moving a key into the settings model replaces nothing.
  const { settings, dependsOn: _d, ...container } = c;
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
