import { Problem } from "../problems";
import { interpolate, Lookup } from "./interpolate";

/**
 * Env files (`env_file:`, `.env`, `secrets/*.secrets`) read with compose's rules, which differ from
 * the npm `dotenv` package: a bare `NAME` line takes NAME from the environment (and is dropped when
 * unset), single-quoted values stay literal, double-quoted values know `\n`-style escapes, and `${A}`
 * expands in unquoted and double-quoted values (from earlier lines of the same file first, then the
 * environment).
 */
export interface EnvEntry {
  readonly name: string;
  readonly value: string;
  readonly line: number;
}

export interface EnvFileProblem {
  readonly line: number;
  readonly column: number;
  readonly message: string;
  readonly severity: "error" | "warning";
}

/** The problems of an env file, located in that file. */
export function envFileProblems(file: string, problems: readonly EnvFileProblem[]): Problem[] {
  return problems.map((p) => ({ file, line: p.line, column: p.column, severity: p.severity, message: p.message }));
}

export interface ParsedEnvFile {
  readonly entries: readonly EnvEntry[];
  readonly problems: readonly EnvFileProblem[];
}

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", '"': '"', "\\": "\\", $: "$$" };

/**
 * `secret`: the file holds secrets (a real `*.secrets` file): messages then name keys and lines only,
 * never a fragment of a value (an interpolation error would otherwise quote the password).
 */
export function parseEnvFile(text: string, environment: Lookup, opts: { secret?: boolean } = {}): ParsedEnvFile {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const values = new Map<string, EnvEntry>();
  const problems: EnvFileProblem[] = [];
  const lookup: Lookup = (name) => values.get(name)?.value ?? environment(name);

  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    let raw = lines[i].trimStart();
    let indent = lines[i].length - raw.length;
    if (raw === "" || raw.startsWith("#")) continue;
    if (raw.startsWith("export ")) {
      // Columns stay those of the line as written: count the prefix as indentation.
      const unprefixed = raw.slice(7).trimStart();
      indent += raw.length - unprefixed.length;
      raw = unprefixed;
    }

    const eq = raw.indexOf("=");
    const name = (eq === -1 ? raw : raw.slice(0, eq)).trim();
    if (!KEY.test(name)) {
      problems.push({ line: lineNo, column: indent + 1, severity: "error", message: `'${name}' is not a valid variable name; lines must be NAME=value, NAME, or # comments` });
      continue;
    }
    if (eq === -1) {
      const inherited = environment(name);
      if (inherited !== undefined) values.set(name, { name, value: inherited, line: lineNo });
      continue;
    }
    const rest = raw.slice(eq + 1);
    const valueColumn = indent + eq + 2;
    let value: string;
    const quote = rest.trimStart()[0];
    if (quote === "'" || quote === '"') {
      const quoted = readQuoted(lines, i, rest.trimStart().slice(1), quote);
      i = quoted.lastLine;
      if (quoted.body === undefined) {
        problems.push({ line: lineNo, column: valueColumn, severity: "error", message: `unterminated ${quote === "'" ? "single" : "double"}-quoted value for ${name}` });
        continue;
      }
      if (quoted.after !== "" && !quoted.after.startsWith("#")) {
        problems.push({ line: i + 1, column: 1, severity: "error", message: opts.secret ? `unexpected text after the closing quote of ${name}` : `unexpected text after the closing quote of ${name}: '${quoted.after}'` });
      }
      const body = quoted.body;
      if (quote === "'") {
        value = body;
      } else {
        const unescaped = body.replace(/\\(.)/g, (m, c: string) => ESCAPES[c] ?? m);
        value = expand(unescaped, name, lineNo, valueColumn, lookup, problems, opts.secret);
      }
    } else {
      const comment = rest.search(/\s#/);
      const bare = (comment === -1 ? rest : rest.slice(0, comment)).trim();
      value = expand(bare, name, lineNo, valueColumn, lookup, problems, opts.secret);
    }
    values.set(name, { name, value, line: lineNo });
  }
  return { entries: [...values.values()], problems };
}

/**
 * A quoted value from `rest` (the text after the opening quote on line `start`), which may span lines
 * until the closing quote: its body (undefined when never closed), what follows the closing quote,
 * and the index of the line where it ends.
 */
function readQuoted(lines: readonly string[], start: number, rest: string, quote: string): { body?: string; after: string; lastLine: number } {
  let body = "";
  let j = start;
  for (;;) {
    const closed = findClosingQuote(rest, quote);
    if (closed !== -1) return { body: body + rest.slice(0, closed), after: rest.slice(closed + 1).trim(), lastLine: j };
    if (j + 1 >= lines.length) return { after: "", lastLine: j };
    body += rest + "\n";
    rest = lines[++j];
  }
}

function findClosingQuote(s: string, quote: string): number {
  for (let k = 0; k < s.length; k++) {
    if (quote === '"' && s[k] === "\\") {
      k++;
      continue;
    }
    if (s[k] === quote) return k;
  }
  return -1;
}

function expand(value: string, name: string, line: number, column: number, lookup: Lookup, problems: EnvFileProblem[], secret = false): string {
  const r = interpolate(value, lookup);
  for (const e of r.errors) {
    problems.push({ line, column, severity: "error", message: secret ? `${name}: the value has a '$' that is not a valid \${VAR} reference; write '$$' for a literal '$'` : `${name}: ${e}` });
  }
  for (const u of r.unset) {
    problems.push({ line, column, severity: "warning", message: secret ? `${name}: the value refers to a variable that is not set (it becomes empty); write '$$' for a literal '$'` : `${name}: variable ${u} is not set; it becomes an empty string` });
  }
  return r.value;
}
