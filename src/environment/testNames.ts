import { error, Position, Problem } from "../problems";
import type { ComposeDocument } from "../validate/composeDocument";
import type { ServiceDefinition } from "../validate/composeProject";
import { SETTING_KEYS, TestTreatment } from "../validate/containerSettings";
import type { BuiltImagePlan, ContainerPlan, Upload } from "./plan";
import { findProductionNames, replaceMatches, RewriteRule } from "./rewrite";

/**
 * The test stack's guarantee: no production name reaches a container. Every field of a container is
 * classified (the types make a new field impossible to forget): here for the fields the environment
 * builds, in containerSettings.ts (`test`) for the settings read from compose. Rewritten: its strings
 * get test names, in every spelling; scanned: names and paths, which cannot change meaning safely, so
 * a production name there is an error; skipped: numbers, flags, references resolved elsewhere.
 * Image names are never rewritten, as the manual procedure says.
 */
const FIELDS: Record<keyof Omit<ContainerPlan, "inputsHash" | "settings">, TestTreatment> = {
  service: "skip",
  name: "scan",
  image: "skip",
  env: "rewrite",
  labels: "rewrite",
  ports: "skip",
  mounts: "scan",
  tmpfs: "scan",
  uploads: "rewrite",
  networks: "scan",
  networkMode: "skip",
  healthcheck: "rewrite",
  waitSeconds: "skip",
  dependsOn: "skip",
  removeAnonymousVolumes: "skip",
  replace: "skip",
};

/** The compose key a field comes from, for messages and positions. */
const COMPOSE_KEY: Partial<Record<keyof ContainerPlan, string>> = { name: "container_name", env: "environment", mounts: "volumes" };

/** The settings' fields, each with its compose key and treatment (containerSettings.ts says). */
const SETTING_FIELDS = Object.entries(SETTING_KEYS).flatMap(([key, entry]) => entry.fields.map((field) => ({ field, key, test: entry.test })));

export interface TestNames {
  readonly rules: readonly RewriteRule[];
  /** Names never rewritten: the registry's host and the stack's keepProductionNames. */
  readonly keep: readonly string[];
}

type Container = Omit<ContainerPlan, "inputsHash">;

/** The container with test names in every rewritten field, and how many names each field got. */
export function rewriteContainer(c: Container, names: TestNames): { container: Container; counts: Map<string, number> } {
  const counts = new Map<string, number>();
  const rewrite = (what: string) => (s: string): string => {
    const found = findProductionNames(s, names.rules, names.keep);
    if (found.length > 0) counts.set(what, (counts.get(what) ?? 0) + found.length);
    return replaceMatches(s, found);
  };
  const out: Record<string, unknown> = { ...c };
  for (const [field, treatment] of Object.entries(FIELDS) as [keyof typeof FIELDS, TestTreatment][]) {
    if (treatment !== "rewrite") continue;
    if (field === "uploads") out.uploads = c.uploads.map((u) => (u.content === undefined ? u : { ...u, content: rewrite(u.secret ? `secret ${u.origin}` : `file ${u.origin}`)(u.content) }));
    else if (field === "env") out.env = c.env.map((e) => ({ ...e, value: rewrite("environment")(e.value) }));
    else out[field] = mapStrings(c[field], rewrite(COMPOSE_KEY[field] ?? field));
  }
  const settings: Record<string, unknown> = { ...c.settings };
  for (const { field, key, test } of SETTING_FIELDS) if (test === "rewrite") settings[field] = mapStrings(c.settings[field], rewrite(key));
  out.settings = settings;
  return { container: out as unknown as Container, counts };
}

/** Production names left in any rewritten or scanned field, and in build args: each an error at its line. */
export function productionNamesLeft(c: Container, svc: ServiceDefinition, doc: ComposeDocument, image: BuiltImagePlan | undefined, names: TestNames): Problem[] {
  const problems: Problem[] = [];
  const left = (s: string): string[] => findProductionNames(s, names.rules, names.keep).map((m) => m.text);
  const hint = "add it to the test stack's keepProductionNames with a reason if it must stay";
  const checked = [
    ...(Object.entries(FIELDS) as [keyof typeof FIELDS, TestTreatment][]).filter(([field]) => field !== "uploads").map(([field, test]) => ({ value: c[field], key: COMPOSE_KEY[field] ?? field, test })),
    ...SETTING_FIELDS.map(({ field, key, test }) => ({ value: c.settings[field], key, test })),
  ];
  for (const { value, key, test } of checked) {
    if (test === "skip") continue;
    const found = [...new Set(collectStrings(value).flatMap(left))];
    if (found.length > 0) {
      const why = test === "scan" ? "a name or path here is not rewritten on the test stack" : "it was not rewritten";
      problems.push(error(doc.file, `services.${svc.name}.${key}: production name ${found.join(", ")} left on the test stack (${why}); change it, or ${hint}`, doc.locate([...svc.path, key])));
    }
  }
  problems.push(...c.uploads.flatMap((u) => uploadProblems(u, names, hint)));
  for (const [arg, value] of Object.entries(image?.args ?? {})) {
    const found = left(value);
    if (found.length > 0) {
      problems.push(error(doc.file, `services.${svc.name}.build.args.${arg}: production name ${found.join(", ")} would be built into the test image (build args are never rewritten: the image must be the one prod runs); pass it at run time through the environment instead, or ${hint}`, doc.locate([...svc.path, "build", "args", arg])));
    }
  }
  return problems;
}

function uploadProblems(u: Upload, names: TestNames, hint: string): Problem[] {
  const text = u.content ?? "";
  const inPath = findProductionNames(u.target, names.rules, names.keep).map((m) =>
    error(u.origin, `production name ${m.text} left in the path ${u.target} where this file is delivered on the test stack (paths are not rewritten); change it, or ${hint}`),
  );
  return inPath.concat(findProductionNames(text, names.rules, names.keep).map((m) =>
    error(u.origin, `production name ${m.text} left in ${u.secret ? "a secret" : "a file"} delivered at ${u.target} on the test stack; change it, or ${hint}`, positionIn(text, m.index)),
  ));
}

function positionIn(text: string, index: number): Position {
  const before = text.slice(0, index).split("\n");
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

/** Every string value inside `v` (object keys excepted). */
export function collectStrings(v: unknown): string[] {
  if (typeof v === "string") return [v];
  if (Array.isArray(v)) return v.flatMap(collectStrings);
  if (v && typeof v === "object") return Object.values(v).flatMap(collectStrings);
  return [];
}

function mapStrings<T>(v: T, f: (s: string) => string): T {
  if (typeof v === "string") return f(v) as T;
  if (Array.isArray(v)) return v.map((x: unknown) => mapStrings(x, f)) as T;
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mapStrings(x, f)])) as T;
  return v;
}
