import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { planDeployment } from "../pipeline";
import { formatProblem, hasErrors, sortProblems } from "../problems";
import { RevisionError } from "../read/gitRevision";
import { openServiceSource, ServiceSource } from "../read/serviceSource";
import { prodStacksIn } from "../read/stackFile";
import { DeploymentPlan, ServicePlan } from "../environment/plan";
import { deploymentFingerprints, Fingerprints } from "../environment/fingerprint";
import { keyedHash, recordService, ServiceRecord } from "../environment/record";
import { readFingerprintKey } from "../read/fingerprintKey";
import { readEngineArgs } from "../read/engineArgs";
import { programVersion } from "../read/programVersion";
import { engineScope, STACK_RESOURCE_NAMES, UNCHANGED_FOLDERS_ENV } from "../plan/leftOut";
import { readSettings, RegistrySettings, StackSettings } from "../settings";
import { backendMismatch, stackBackend } from "../state/backend";
import { DeclarationWindow, foldersAhead } from "./declarationWindow";
import { externalNetwork } from "./dockerCommands";
import { Command } from "./leanResources";
import { ServiceDeployment } from "./serviceDeployment";

export interface ServiceOutputs {
  readonly containers: Record<string, pulumi.Output<string>>;
  readonly images: Record<string, pulumi.Output<string>>;
  /** The commit deployed, and the last commit that changed this service's folder (git repositories). */
  readonly revision?: string;
  readonly lastChange?: string;
  /** What each container runs, secret-free (secret values as keyed hashes): what `npm run plan` compares with. */
  readonly record: pulumi.Output<ServiceRecord>;
}

/** The stack's outputs: per service folder, and the key of the records' secret hashes (a Pulumi secret). */
export interface StackOutputs {
  readonly services: Record<string, ServiceOutputs>;
  readonly recordKey: pulumi.Output<string>;
  /** What this `up` deployed, as keyed digests; known only once every container and image is. */
  readonly fingerprints?: pulumi.Output<Fingerprints>;
}

/**
 * The Pulumi edge: reads the stack's config, runs the pure pipeline over the working tree (or the
 * git revision `servicesRef` names), reports every problem, and declares one ServiceDeployment per
 * service folder, except those the engine leaves out (src/plan/leftOut.ts), a window of folders
 * ahead of the engine's answers (src/declare/declarationWindow.ts). Nothing is declared when any
 * folder is invalid.
 */
export async function deployServices(root: string = process.cwd(), engineArgs: string[] | undefined = readEngineArgs()): Promise<StackOutputs> {
  const { settings, source, plan } = await planStack(root);
  const fingerprints = deploymentFingerprints({ plan, settings, program: programVersion(root), revision: source.revision?.sha }, readFingerprintKey(root, { create: true })!);
  const scope = engineScope(engineArgs, process.env[UNCHANGED_FOLDERS_ENV], { project: pulumi.getProject(), stack: pulumi.getStack() }, fingerprints);
  if (scope.changedSinceCheck.length > 0) {
    throw new pulumi.RunError(`${scope.changedSinceCheck.join(", ")} changed after deploy's no-change check, which left the unchanged folders out of this run: nothing was changed; run bash scripts/deploy.sh again`);
  }
  const windowSize = declarationWindowSize();
  // Read before declaring anything: one git query per folder, run side by side.
  const lastChanges = new Map(await Promise.all(plan.services.map(async (s) => [s.folder, await source.lastChangeOf(s.dir)] as const)));
  const { key: recordKey, command: recordKeyCommand } = declareRecordKey();
  const machines = new Machines(settings.registry, plan);
  // Every machine's provider and external networks, whichever of its folders are declared.
  for (const s of plan.services) {
    machines.provider(s.host);
    machines.externalNetworks(s.host);
  }
  const outputs: Record<string, ServiceOutputs> = {};
  const deployments: ServiceDeployment[] = [];
  const window = new DeclarationWindow(windowSize);
  for (const service of plan.services) {
    const declared = scope.leftOut.has(service.folder) ? leftOutOutputs(service) : declareFolder(service, plan, settings, machines);
    if (declared instanceof ServiceDeployment) {
      deployments.push(declared);
      await window.declared([declared, ...declared.resources]);
    }
    outputs[service.folder] = {
      containers: declared.containers,
      images: declared.images,
      revision: source.revision?.sha,
      lastChange: lastChanges.get(service.folder),
      // An HMAC with a random key reveals nothing of the secret it hashes: the record stays plain.
      record: pulumi.unsecret(recordKey.apply((key) => recordService(service, keyedHash(key)))),
    };
  }
  if (plan.kind === "prod") {
    // `pulumi destroy` on prod must not run by accident: this protected resource depends on every
    // service and on the record key, so a destroy would delete it first, and it refuses before
    // anything else is touched.
    new DestroyGuard(STACK_RESOURCE_NAMES.destroyGuard, { dependsOn: [...deployments, recordKeyCommand], protect: true });
  }
  const done = Object.values(outputs).flatMap((o) => [...Object.values(o.containers), ...Object.values(o.images)]);
  // A run that deploys part of the checkout records no fingerprints: the next deploy runs the engine.
  return { services: outputs, recordKey: pulumi.secret(recordKey), fingerprints: scope.partial ? undefined : pulumi.all(done).apply(() => fingerprints) };
}

/** How many folders are declared ahead of the engine's answers; a wrong DEPLOY_FOLDERS_AHEAD stops the run before anything is declared. */
function declarationWindowSize(): number {
  try {
    return foldersAhead((name) => process.env[name]);
  } catch (e) {
    throw new pulumi.RunError((e as Error).message);
  }
}

/** One folder's component, on its machine's provider, with the machine's external networks. */
function declareFolder(service: ServicePlan, plan: DeploymentPlan, settings: StackSettings, machines: Machines): ServiceDeployment {
  const provider = machines.provider(service.host);
  const deployment = new ServiceDeployment(
    service.folder,
    { plan: service, kind: plan.kind, stack: settings.stack, handover: { seconds: settings.handoverSeconds, traefikOutsideDocker: settings.traefikOutsideDocker }, registry: settings.registry, externalNetworks: machines.externalNetworks(service.host), snapshots: plan.snapshots },
    provider ? { providers: { docker: provider } } : undefined,
  );
  for (const k of service.keys) {
    if (k.ignored.length > 0) void pulumi.log.info(`${service.dir}: ${k.scope}: ignored ${k.ignored.map((i) => `${i.key} (${i.reason})`).join(", ")}`, deployment);
  }
  return deployment;
}

/**
 * A folder the engine leaves out: nothing declared; its outputs as its component gives them (each
 * container's Docker name, each home-built image's name), from its plan, which is the one deployed.
 */
function leftOutOutputs(service: ServicePlan): Pick<ServiceDeployment, "containers" | "images"> {
  return {
    containers: Object.fromEntries(service.containers.map((c) => [c.service, pulumi.output(c.name)])),
    images: Object.fromEntries(service.builtImages.map((i) => [i.service, pulumi.output(i.imageName)])),
  };
}

/**
 * The stack's record key: 32 random bytes made once, at the stack's first `up`, and kept in its state
 * as a secret. Never logged; never made again (a new key would show every secret as changed once).
 */
function declareRecordKey(): { key: pulumi.Output<string>; command: Command } {
  const key = new Command(STACK_RESOURCE_NAMES.recordKey, {
    create: "od -An -N32 -tx1 /dev/urandom | tr -d ' \\n'",
    logging: "none",
  }, { additionalSecretOutputs: ["stdout"], ignoreChanges: ["create"] });
  // Under mocks a command has no output: an empty key there.
  return { key: key.stdout.apply((k) => k ?? ""), command: key };
}

/** The stack's settings, where the services come from, and their plan; stops on any error. */
async function planStack(root: string): Promise<{ settings: StackSettings; source: ServiceSource; plan: DeploymentPlan }> {
  const project = pulumi.getProject();
  const stack = pulumi.getStack();
  // Raw reads: prod secrets are handled as plain strings in the pure stages and wrapped as Pulumi
  // secrets where they reach a resource (declare stage).
  const { settings, problems: settingsProblems } = readSettings(stack, (key) => pulumi.runtime.getConfig(`${project}:${key}`));
  if (!settings) fail(settingsProblems.map((p) => formatProblem(p, false)));
  let source: ServiceSource;
  try {
    source = await openServiceSource(root, settings);
  } catch (e) {
    if (e instanceof RevisionError) fail([e.message]);
    throw e;
  }
  if (source.revision && source.revision.dirty.length > 0) {
    void pulumi.log.warn(`deploying the working tree with uncommitted changes (${source.revision.dirty.join(", ")}); the stack records commit ${source.revision.sha.slice(0, 12)} plus those changes`);
  }
  const plan = planDeployment({ settings, view: source.view, environment: (name) => process.env[name], buildRoot: source.buildRoot, prodStacks: prodStacksIn(root) });
  // Where the state lives: prod on one laptop, or this pulumi on another backend than the stack file's.
  const backend = stackBackend(root, settings, (name) => process.env[name]);
  const mismatch = backendMismatch(backend, process.env.PULUMI_BACKEND_URL);
  const problems = [...plan.problems, ...backend.problems, ...(mismatch ? [mismatch] : [])];
  for (const p of sortProblems(problems)) {
    if (p.severity === "warning") void pulumi.log.warn(formatProblem(p, false));
  }
  if (hasErrors(problems)) {
    fail(sortProblems(problems.filter((p) => p.severity === "error")).map((p) => formatProblem(p, false)));
  }
  return { settings, source, plan };
}

/**
 * The machines services run on: one Docker provider per host (services without one use the default
 * provider), and on each, what makes the networks compose calls external exist when the stack
 * creates them (a laptop or CI has no Traefik `proxy` network; a running Traefik's is used as it is).
 */
class Machines {
  private readonly providers = new Map<string, docker.Provider>();
  private readonly networks = new Map<string, Map<string, pulumi.Resource>>();
  constructor(private readonly registry: RegistrySettings, private readonly plan: DeploymentPlan) {}

  provider(host: string | undefined): docker.Provider | undefined {
    if (host === undefined) return undefined;
    if (!this.providers.has(host)) {
      const { server, username, password } = this.registry;
      const registryAuth = username && password ? [{ address: server, username, password: pulumi.secret(password) }] : undefined;
      this.providers.set(host, new docker.Provider(`${STACK_RESOURCE_NAMES.hosts}/${machineName(host)}`, { host, registryAuth }));
    }
    return this.providers.get(host);
  }

  externalNetworks(host: string | undefined): Map<string, pulumi.Resource> {
    const key = host ?? "";
    if (!this.networks.has(key)) {
      const made = new Map<string, pulumi.Resource>();
      if (this.plan.createExternalNetworks) {
        const needed = new Set(this.plan.services.filter((s) => s.host === host).flatMap((s) => s.networks.filter((n) => !n.managed).map((n) => n.name)));
        for (const name of [...needed].sort()) {
          made.set(name, externalNetwork(`${STACK_RESOURCE_NAMES.externalNetworks}/${host === undefined ? "" : `${machineName(host)}/`}${name}`, name, host, {}));
        }
      }
      this.networks.set(key, made);
    }
    return this.networks.get(key)!;
  }
}

/**
 * Holds nothing; exists to be protected. To really destroy prod: `pulumi state unprotect` its URN
 * (the error message gives the command), then `pulumi destroy`. Data volumes stay protected.
 */
class DestroyGuard extends pulumi.ComponentResource {
  constructor(name: string, opts: pulumi.ComponentResourceOptions) {
    super("dockerfiles:stack:DestroyGuard", name, {}, opts);
    this.registerOutputs({});
  }
}

/** `ssh://deploy@pica02` → `deploy@pica02`: the machine's part of resource names. */
function machineName(host: string): string {
  return host.replace(/^[a-z]+:\/\//, "");
}

function fail(lines: string[]): never {
  for (const l of lines) void pulumi.log.error(l);
  throw new pulumi.RunError(`${lines.length} problem(s) in the service folders; nothing was declared. Run 'npm run check' for the same list.`);
}
