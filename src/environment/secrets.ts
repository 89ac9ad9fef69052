import { error, Problem } from "../problems";
import { FileView, readText } from "../read/files";
import { ComposeDocument } from "../validate/composeDocument";
import { EnvEntry, envFileProblems, parseEnvFile } from "../validate/envFile";
import { Lookup } from "../validate/interpolate";
import { ConfiguredSecrets, StackKind } from "../settings";
import { Position } from "../problems";

/** The suffix of the committed example beside every real secret file. */
export const EXAMPLE_SUFFIX = ".example";

/** `secrets/<name>.secrets` env files hold secrets: never committed, an example beside each. */
export function isSecretEnvFile(file: string): boolean {
  return file.endsWith(".secrets");
}

export interface SecretSource {
  readonly kind: StackKind;
  readonly view: FileView;
  /** The service folder's name, the first level of the `secrets` config object. */
  readonly folder: string;
  readonly configured: ConfiguredSecrets;
  readonly environment: Lookup;
}

function baseName(file: string): string {
  return file.slice(file.lastIndexOf("/") + 1);
}

/** `secrets["<folder>"]["<name>"]` where name is the file's name without `.secrets`. */
function configuredFor(src: SecretSource, name: string): string | Readonly<Record<string, string>> | undefined {
  return src.configured[src.folder]?.[name];
}

function readEnv(view: FileView, file: string, environment: Lookup, problems: Problem[], secret: boolean): EnvEntry[] | undefined {
  const text = readText(view, file);
  if (text === undefined) return undefined;
  const parsed = parseEnvFile(text, environment, { secret });
  problems.push(...envFileProblems(file, parsed.problems));
  return [...parsed.entries];
}

/**
 * The values of a secret env file for this stack. Test: the committed example (dummy values).
 * Prod: the real file beside the example and/or `pulumi config set --secret`, never the example:
 * every key of the example needs a prod value, and a prod value equal to its example is refused.
 */
export function resolveSecretEnvFile(src: SecretSource, file: string, doc: ComposeDocument, at: Position | undefined): { entries: EnvEntry[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const exampleFile = file + EXAMPLE_SUFFIX;
  const example = readEnv(src.view, exampleFile, () => undefined, problems, false);
  if (example === undefined) {
    problems.push(error(doc.file, `env_file ${file} has no committed example ${exampleFile}; create it with one dummy value per key so the test stack and new readers know what is needed`, at));
    return { entries: [], problems };
  }
  if (src.kind === "test") return { entries: example, problems };

  const name = baseName(file).replace(/\.secrets$/, "");
  const configured = configuredFor(src, name);
  const fromFile = readEnv(src.view, file, src.environment, problems, true);
  const values = new Map<string, EnvEntry>();
  for (const e of fromFile ?? []) values.set(e.name, e);
  if (typeof configured === "object") {
    for (const [k, v] of Object.entries(configured)) values.set(k, { name: k, value: String(v), line: 0 });
  }
  for (const e of example) {
    const real = values.get(e.name);
    const origin = real && real.line > 0 ? `${file}:${real.line}` : `config secrets["${src.folder}"]["${name}"].${e.name}`;
    if (real === undefined) {
      problems.push(error(exampleFile, `prod secret ${e.name} has no value: set it with pulumi config set --secret --path 'secrets["${src.folder}"]["${name}"].${e.name}' or write it in ${file} on the deploying machine`, { line: e.line, column: 1 }));
    } else if (real.value === e.value) {
      problems.push(error(exampleFile, `prod secret ${e.name} (${origin}) equals its example value; set the real secret`, { line: e.line, column: 1 }));
    }
  }
  return { entries: [...values.values()], problems };
}

/**
 * The content of a compose `secrets:` entry for this stack: the example `<file>.example` on test;
 * on prod `secrets["<folder>"]["<key>"]` from config or the real file, never equal to the example.
 */
export function resolveSecretFile(src: SecretSource, key: string, source: { file: string } | { environment: string }, doc: ComposeDocument, at: Position | undefined): { content?: string; problems: Problem[] } {
  const problems: Problem[] = [];
  if ("environment" in source) {
    const v = src.environment(source.environment);
    if (v === undefined) problems.push(error(doc.file, `secret '${key}' comes from the environment variable ${source.environment}, which is not set`, at));
    return { content: v, problems };
  }
  const exampleFile = source.file + EXAMPLE_SUFFIX;
  const example = readText(src.view, exampleFile);
  if (example === undefined) {
    problems.push(error(doc.file, `secret '${key}' (${source.file}) has no committed example ${exampleFile}; create one with a dummy value`, at));
    return { problems };
  }
  if (src.kind === "test") return { content: example, problems };
  const configured = configuredFor(src, key);
  const content = typeof configured === "string" ? configured : readText(src.view, source.file);
  if (content === undefined) {
    problems.push(error(doc.file, `prod secret '${key}' has no value: set it with pulumi config set --secret --path 'secrets["${src.folder}"]["${key}"]' or write ${source.file} on the deploying machine`, at));
  } else if (content.trim() === example.trim()) {
    problems.push(error(doc.file, `prod secret '${key}' equals its example ${exampleFile}; set the real secret`, at));
  }
  return { content, problems };
}
