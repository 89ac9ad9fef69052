import Ajv, { ErrorObject, ValidateFunction } from "ajv";
import standaloneCode from "ajv/dist/standalone";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * Validation against the official compose-spec JSON schema (draft-07). The schema ships with the
 * `dclint` package; its path is not exported, so it is found beside the package's package.json.
 */
export interface SchemaProblem {
  readonly path: (string | number)[];
  /** For unknown keys: the key itself, so the position is the key's, not its parent's. */
  readonly key?: string;
  readonly message: string;
}

let compiled: ValidateFunction | undefined;

/** The compose-spec schema, as shipped (the key tables are checked against it). */
export function composeSchema(): Record<string, unknown> {
  const schemaFile = path.join(path.dirname(require.resolve("dclint/package.json")), "schemas", "compose.schema.json");
  return JSON.parse(fs.readFileSync(schemaFile, "utf8")) as Record<string, unknown>;
}

/**
 * The schema's validator. Compiling it costs about 150 ms at every run (half of a no-change check),
 * so the code Ajv generates is kept in node_modules/.cache/dockerfiles/, named by a digest of the
 * schema and Ajv's version, and loaded from there by later runs. A cache that cannot be written
 * changes nothing but the time.
 */
function validator(): ValidateFunction {
  if (compiled) return compiled;
  const schema = composeSchema();
  schema.$schema = "http://json-schema.org/draft-07/schema#";
  const options = { allErrors: true, allowUnionTypes: true, strict: false } as const;
  const ajvPackage = require.resolve("ajv/package.json");
  const ajvVersion = (JSON.parse(fs.readFileSync(ajvPackage, "utf8")) as { version: string }).version;
  const digest = createHash("sha256").update(JSON.stringify(schema)).update(ajvVersion).digest("hex").slice(0, 16);
  const cached = path.join(path.dirname(ajvPackage), "..", ".cache", "dockerfiles", `compose-schema-${digest}.cjs`);
  if (fs.existsSync(cached)) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- generated code, loaded by path
    compiled = require(cached) as ValidateFunction;
    return compiled;
  }
  const ajv = new Ajv({ ...options, code: { source: true } });
  compiled = ajv.compile(schema);
  try {
    fs.mkdirSync(path.dirname(cached), { recursive: true });
    const temporary = `${cached}.${process.pid}`;
    fs.writeFileSync(temporary, standaloneCode(ajv, compiled));
    fs.renameSync(temporary, cached);
  } catch {
    // read-only node_modules: compiled at each run
  }
  return compiled;
}

export function schemaProblems(data: unknown): SchemaProblem[] {
  const validate = validator();
  if (validate(data)) return [];
  return summarise(validate.errors ?? [], data);
}

function pointerToPath(pointer: string): (string | number)[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

export function dotted(p: readonly (string | number)[]): string {
  return p.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`)).join("") || "(top level)";
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return `${typeof value} ${JSON.stringify(value)}`;
}

function valueAt(data: unknown, p: (string | number)[]): unknown {
  let v: unknown = data;
  for (const s of p) v = typeof v === "object" && v !== null ? (v as Record<string | number, unknown>)[s] : undefined;
  return v;
}

/**
 * Ajv reports every failed branch of a oneOf/anyOf; a user wants one sentence per place. Errors are
 * grouped by instance path: unknown keys and enum/pattern errors are kept as they are; type errors at
 * the same place are merged into "must be A or B".
 */
function summarise(errors: ErrorObject[], data: unknown): SchemaProblem[] {
  const out: SchemaProblem[] = [];
  const byPath = new Map<string, ErrorObject[]>();
  for (const e of errors) {
    const list = byPath.get(e.instancePath) ?? [];
    list.push(e);
    byPath.set(e.instancePath, list);
  }
  const seen = new Set<string>();
  const push = (p: SchemaProblem): void => {
    const k = `${dotted(p.path)}|${p.key ?? ""}|${p.message}`;
    if (!seen.has(k)) {
      seen.add(k);
      out.push(p);
    }
  };
  for (const [pointer, errs] of byPath) {
    const p = pointerToPath(pointer);
    const where = dotted(p);
    const deeper = [...byPath.keys()].some((k) => k !== pointer && k.startsWith(pointer + "/"));
    const types = new Set<string>();
    for (const e of errs) {
      switch (e.keyword) {
        case "additionalProperties": {
          const key = String(e.params.additionalProperty);
          if (key.startsWith("x-")) break;
          push({ path: p, key, message: `${where}: unknown key '${key}'; check its spelling against the compose specification` });
          break;
        }
        case "type":
          for (const t of String(e.params.type).split(",")) types.add(t);
          break;
        case "enum":
          push({ path: p, message: `${where} must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}, not ${describe(valueAt(data, p))}` });
          break;
        case "required":
          push({ path: p, message: `${where}: missing required key '${e.params.missingProperty}'` });
          break;
        case "oneOf":
        case "anyOf":
        case "if":
        case "not":
          break;
        default:
          push({ path: p, message: `${where} ${e.message ?? "is invalid"}` });
      }
    }
    if (types.size > 0 && !deeper) {
      const list = [...types];
      const said = list.length === 1 ? list[0] : `${list.slice(0, -1).join(", ")} or ${list[list.length - 1]}`;
      push({ path: p, message: `${where} must be ${said}, not ${describe(valueAt(data, p))}` });
    }
    if (types.size === 0 && !deeper && errs.every((e) => ["oneOf", "anyOf", "not", "if"].includes(e.keyword))) {
      push({ path: p, message: `${where} does not match any form the compose specification allows` });
    }
  }
  return out;
}
