/**
 * Runs the Pulumi program under mocks (no engine, no Docker) and records what it declares: every
 * resource's type, name, inputs and options, and every data-source call. Each test file runs in its
 * own process, so Pulumi's global state is fresh for each.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";

export const PROJECT = "dockerfiles";
export const REPO_ROOT = path.resolve(__dirname, "../..");

export interface DeclaredResource {
  type: string;
  name: string;
  inputs: Record<string, any>;
  /** The provider reference (`<urn>::<id>`) when an explicit provider is used. */
  provider?: string;
  /** dependsOn: `type::name` of each dependency, so that a network, a volume and a container of one name differ. */
  options: { protect?: boolean; retainOnDelete?: boolean; deleteBeforeReplace?: boolean; replaceOnChanges?: string[]; dependsOn: string[]; parent?: string };
}

export interface Declared {
  resources: DeclaredResource[];
  calls: { token: string; inputs: Record<string, any> }[];
  outputs: Record<string, any>;
  /** The stack's `fingerprints` output (undefined when the program records none). */
  fingerprints?: any;
  /** Each registration as the engine sees it: sent by the program, then answered, in order. */
  events: { event: "sent" | "answered"; name: string }[];
}

/** Secret inputs reach mocks wrapped in Pulumi's secret envelope; this tells them apart. */
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export function isSecret(v: unknown): boolean {
  return typeof v === "object" && v !== null && (v as any)["4dabf18193072939515e22adb298388d"] === SECRET_SIG;
}
export function unwrap(v: any): any {
  if (isSecret(v)) return unwrap(v.value);
  if (Array.isArray(v)) return v.map(unwrap);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrap(x)]));
  return v;
}

function fakeDigest(s: string): string {
  let h = 0;
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return `sha256:${h.toString(16).padStart(8, "0")}`;
}

/**
 * `engineArgs`: the arguments of the `pulumi` command the program reads (src/read/engineArgs.ts);
 * without them, it reads its own ancestors, where there is no `pulumi` command. `answerAfterMs`: how
 * long the mocks take to answer each registration.
 */
export async function runProgram(stack: string, config: Record<string, unknown>, opts: { cwd?: string; secretKeys?: string[]; engineArgs?: string[]; answerAfterMs?: number } = {}): Promise<Declared> {
  const declared: Declared = { resources: [], calls: [], outputs: {}, events: [] };
  const byName = new Map<string, DeclaredResource>();
  void pulumi.runtime.setMocks(
    {
      async newResource(args) {
        // An engine that takes its time to answer, as the real one does.
        if (opts.answerAfterMs) await new Promise((r) => setTimeout(r, opts.answerAfterMs));
        declared.events.push({ event: "answered", name: args.name });
        const r = byName.get(`${args.type}::${args.name}`);
        if (r) r.inputs = args.inputs;
        const state: Record<string, any> = { ...args.inputs };
        if (args.type === "docker:index/remoteImage:RemoteImage") state.imageId = fakeDigest(String(args.inputs.name));
        return { id: `${args.name}-id`, state };
      },
      call(args) {
        declared.calls.push({ token: args.token, inputs: args.inputs });
        if (args.token === "docker:index/getNetwork:getNetwork") return { id: `${args.inputs.name}-id`, name: args.inputs.name, driver: "bridge" };
        return {};
      },
    },
    PROJECT,
    stack,
    false,
  );
  const all: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) all[`${PROJECT}:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
  pulumi.runtime.setAllConfig(all, (opts.secretKeys ?? []).map((k) => `${PROJECT}:${k}`));

  // Options (protect, deleteBeforeReplace, dependencies…) are not passed to mocks: read them from the
  // registration request the SDK sends to the mock monitor.
  const monitor = pulumi.runtime.getMonitor() as any;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: any) => {
    const nameOf = (urn: string): string => urn.slice(urn.lastIndexOf("::") + 2);
    // urn:pulumi:<stack>::<project>::<parent type>$<type>::<name>
    const typeAndName = (urn: string): string => `${urn.split("::")[2].split("$").pop()}::${nameOf(urn)}`;
    const r: DeclaredResource = {
      type: req.getType(),
      name: req.getName(),
      provider: req.getProvider() || undefined,
      inputs: {},
      options: {
        protect: req.getProtect(),
        retainOnDelete: req.getRetainondelete(),
        deleteBeforeReplace: req.getDeletebeforereplace(),
        replaceOnChanges: req.getReplaceonchangesList(),
        dependsOn: req.getDependenciesList().map(typeAndName),
        parent: req.getParent() ? nameOf(req.getParent()) : undefined,
      },
    };
    declared.resources.push(r);
    declared.events.push({ event: "sent", name: r.name });
    byName.set(`${r.type}::${r.name}`, r);
    return register(req, callback);
  };

  const previous = process.cwd();
  process.chdir(opts.cwd ?? REPO_ROOT);
  try {
    const program = opts.engineArgs ? await require(path.join(REPO_ROOT, "src/declare/stack.ts")).deployServices(process.cwd(), opts.engineArgs) : require(path.join(REPO_ROOT, "index.ts"));
    const services = await program.services;
    declared.outputs = await new Promise((resolve) => pulumi.output(services).apply(resolve));
    const fingerprints = await program.fingerprints;
    declared.fingerprints = fingerprints && (await new Promise((resolve) => pulumi.output(fingerprints).apply(resolve)));
  } finally {
    process.chdir(previous);
  }
  // Let the last registrations reach the mocks.
  await new Promise((r) => setTimeout(r, 50));
  return declared;
}

export function find(d: Declared, type: string, name: string): DeclaredResource {
  const r = d.resources.find((x) => x.type === type && x.name === name);
  if (!r) throw new Error(`no ${type} named ${name}; declared: ${d.resources.map((x) => `${x.type} ${x.name}`).join(", ")}`);
  return r;
}

export const CONTAINER = "docker:index/container:Container";
export const COMMAND = "command:local:Command";
export const REMOTE_IMAGE = "docker:index/remoteImage:RemoteImage";
export const VOLUME = "docker:index/volume:Volume";
export const NETWORK = "docker:index/network:Network";
export const SERVICE = "dockerfiles:service:Service";

export function labels(r: DeclaredResource): Record<string, string> {
  return Object.fromEntries(unwrap(r.inputs.labels ?? []).map((l: any) => [l.label, l.value]));
}
export function envs(r: DeclaredResource): Record<string, string> {
  return Object.fromEntries(unwrap(r.inputs.envs ?? []).map((e: string) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
}
/** The environment a command runs with, secrets unwrapped. */
export function commandEnv(r: DeclaredResource): Record<string, string> {
  return unwrap(r.inputs.environment ?? {});
}
export function uploads(r: DeclaredResource): Record<string, any> {
  const list = isSecret(r.inputs.uploads) ? r.inputs.uploads.value : (r.inputs.uploads ?? []);
  return Object.fromEntries(list.map((u: any) => [unwrap(u).file, u]));
}

/** Test-stack config as in Pulumi.test.yaml. */
export const TEST_CONFIG = {
  kind: "test",
  createExternalNetworks: "true",
  rewrites: [{ from: "picasoft.net", to: "test.picasoft.net" }],
};

/** Prod secret values for the example services, as `pulumi config set --secret --path` would hold them. */
export const PROD_SECRETS = {
  "pica-pad": { db: { POSTGRES_PASSWORD: "s3cr3t-pad-db", DB_PASS: "s3cr3t-pad-db" } },
  "pica-mattermost": { mattermost: { MM_SQLSETTINGS_DATASOURCE: "postgres://mattermost:s3cr3t-mm@db:5432/mattermost" }, db_password: "s3cr3t-mm" },
};
