import * as YAML from "yaml";
import { error, Position, Problem, warning } from "../problems";
import { interpolate, Lookup } from "./interpolate";
import { schemaProblems } from "./schema";

export type ComposePath = readonly (string | number)[];

/** A parsed, interpolated compose file that can tell the position of any of its nodes. */
export interface ComposeDocument {
  readonly file: string;
  /** Plain data after interpolation and merge keys. */
  readonly data: Record<string, unknown>;
  /** Position of the node (or, failing that, its nearest ancestor) at `path`. */
  locate(path: ComposePath): Position | undefined;
  /** Position of the key `key` of the mapping at `path` (for unknown or unsupported keys). */
  locateKey(path: ComposePath, key: string): Position | undefined;
}

/**
 * Stage "parse": YAML with merge keys and positions → interpolation of every value (never keys) →
 * validation against the official compose-spec schema. Returns every problem found.
 */
export function loadComposeDocument(
  file: string,
  text: string,
  variables: Lookup,
): { document?: ComposeDocument; problems: Problem[] } {
  const lineCounter = new YAML.LineCounter();
  const doc = YAML.parseDocument(text, { lineCounter, merge: true, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number): Position => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const problems: Problem[] = [];
  // One syntax error (a wrong indentation) makes the parser report many more after it: the first is
  // the one to fix, the others are only counted.
  if (doc.errors.length > 0) {
    const [first, ...rest] = doc.errors;
    const more = rest.length === 0 ? "" : ` (the parser reports ${rest.length} more error(s) after this one; most follow from it: fix it first)`;
    problems.push(error(file, yamlMessage(first) + more, at(first.pos[0])));
  }
  for (const w of doc.warnings) problems.push(warning(file, yamlMessage(w), at(w.pos[0])));
  if (problems.some((p) => p.severity === "error")) return { problems };
  if (!YAML.isMap(doc.contents)) {
    problems.push(error(file, "a compose file must be a mapping with a 'services' key", { line: 1, column: 1 }));
    return { problems };
  }

  interpolateNode(doc.contents, (node, message, severity) => {
    const offset = node.range?.[0] ?? 0;
    problems.push(severity === "error" ? error(file, message, at(offset)) : warning(file, message, at(offset)));
  }, variables, doc, new Set());

  const locate = (path: ComposePath): Position | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true);
      if (YAML.isNode(node) && node.range) return at(node.range[0]);
    }
    return undefined;
  };
  const locateKey = (path: ComposePath, key: string): Position | undefined => {
    const parent = doc.getIn(path, true);
    if (YAML.isMap(parent)) {
      for (const pair of parent.items) {
        if (YAML.isScalar(pair.key) && pair.key.value === key && pair.key.range) return at(pair.key.range[0]);
      }
    }
    return locate(path);
  };

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    problems.push(error(file, `cannot read the YAML: ${(e as Error).message}`, { line: 1, column: 1 }));
    return { problems };
  }
  for (const s of schemaProblems(data)) {
    problems.push(error(file, s.message, s.key !== undefined ? locateKey(s.path, s.key) : locate(s.path)));
  }
  return { document: { file, data: data as Record<string, unknown>, locate, locateKey }, problems };
}

function yamlMessage(e: YAML.YAMLError): string {
  // The first line of yaml's message is the sentence; the rest is a source excerpt we replace by the position.
  return `invalid YAML: ${e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")}`;
}

type Report = (node: YAML.Node, message: string, severity: "error" | "warning") => void;

/**
 * Interpolates scalar values in place, keys excepted; `x-` extension keys are left alone. Aliases
 * (and `<<` merge keys) are followed, since compose interpolates after merging: a node anchored under
 * an `x-` key is interpolated when something uses it. `seen` makes each node interpolated once.
 */
function interpolateNode(node: unknown, report: Report, variables: Lookup, doc: YAML.Document, seen: Set<unknown>): void {
  if (YAML.isAlias(node)) {
    interpolateNode(node.resolve(doc), report, variables, doc, seen);
    return;
  }
  if (!YAML.isNode(node) || seen.has(node)) return;
  seen.add(node);
  if (YAML.isMap(node)) {
    for (const pair of node.items) {
      const key = YAML.isScalar(pair.key) ? String(pair.key.value) : "";
      if (key.startsWith("x-")) continue;
      interpolateNode(pair.value, report, variables, doc, seen);
    }
  } else if (YAML.isSeq(node)) {
    for (const item of node.items) interpolateNode(item, report, variables, doc, seen);
  } else if (YAML.isScalar(node) && typeof node.value === "string") {
    const r = interpolate(node.value, variables);
    for (const e of r.errors) report(node, e, "error");
    for (const u of r.unset) report(node, `variable ${u} is not set; it becomes an empty string (set it in the folder's .env or the environment)`, "warning");
    node.value = r.value;
  }
}
