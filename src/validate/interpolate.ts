/**
 * Compose variable interpolation, as the compose specification defines it:
 * `$$` (a literal `$`), `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}`,
 * `${VAR?message}`, `${VAR:+alternative}`, `${VAR+alternative}`; defaults and alternatives may nest.
 * An unset variable becomes the empty string and is reported as such (compose warns the same way).
 *
 * Hand-written: no maintained npm package implements the compose rules (dotenv-expand follows shell
 * rules that differ on `$$` and on the `?`/`+` forms).
 */
export type Lookup = (name: string) => string | undefined;

export interface InterpolationResult {
  readonly value: string;
  /** Variables that were used and not set. */
  readonly unset: readonly string[];
  /** Malformed expressions and failed `:?`/`?` requirements, one sentence each. */
  readonly errors: readonly string[];
}

class SyntaxProblem extends Error {}

interface Parsed {
  out: string;
  end: number;
  unset: string[];
  errors: string[];
}

const NAME = /[_a-zA-Z][_a-zA-Z0-9]*/y;

export function interpolate(input: string, lookup: Lookup): InterpolationResult {
  if (!input.includes("$")) return { value: input, unset: [], errors: [] };
  try {
    const r = parse(input, 0, false, lookup);
    return { value: r.out, unset: unique(r.unset), errors: r.errors };
  } catch (e) {
    if (e instanceof SyntaxProblem) return { value: input, unset: [], errors: [e.message] };
    throw e;
  }
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}

function readName(s: string, at: number): string | undefined {
  NAME.lastIndex = at;
  const m = NAME.exec(s);
  return m ? m[0] : undefined;
}

/** Parses from `i` until the end, or until an unmatched `}` when `inBraces`. */
function parse(s: string, i: number, inBraces: boolean, lookup: Lookup): Parsed {
  const r: Parsed = { out: "", end: i, unset: [], errors: [] };
  while (i < s.length) {
    const c = s[i];
    if (inBraces && c === "}") break;
    if (c !== "$") {
      r.out += c;
      i++;
      continue;
    }
    const next = s[i + 1];
    if (next === "$") {
      r.out += "$";
      i += 2;
    } else if (next === "{") {
      i = braced(s, i + 2, r, lookup);
    } else {
      const name = readName(s, i + 1);
      if (name === undefined) {
        throw new SyntaxProblem(
          `invalid interpolation in '${s}': '$' must be followed by a variable name or '{'; write '$$' for a literal '$'`,
        );
      }
      substitute(name, lookup, r);
      i += 1 + name.length;
    }
  }
  r.end = i;
  return r;
}

function substitute(name: string, lookup: Lookup, r: Parsed): void {
  const v = lookup(name);
  if (v === undefined) r.unset.push(name);
  r.out += v ?? "";
}

const OPERATORS = [":-", ":?", ":+", "-", "?", "+"] as const;

/** `i` is just after `${`. Returns the index after the closing `}`. */
function braced(s: string, i: number, r: Parsed, lookup: Lookup): number {
  const name = readName(s, i);
  if (name === undefined) {
    throw new SyntaxProblem(`invalid interpolation in '${s}': '\${' must be followed by a variable name`);
  }
  i += name.length;
  if (s[i] === "}") {
    substitute(name, lookup, r);
    return i + 1;
  }
  const op = OPERATORS.find((o) => s.startsWith(o, i));
  if (op === undefined) {
    throw new SyntaxProblem(
      `invalid interpolation in '${s}': after '\${${name}' expected '}' or one of ${OPERATORS.join(" ")}`,
    );
  }
  const word = parse(s, i + op.length, true, lookup);
  if (s[word.end] !== "}") {
    throw new SyntaxProblem(`invalid interpolation in '${s}': missing '}' to close '\${${name}'`);
  }
  const value = lookup(name);
  const set = value !== undefined;
  const nonEmpty = set && value !== "";
  const useWord = (): void => {
    r.out += word.out;
    r.unset.push(...word.unset);
    r.errors.push(...word.errors);
  };
  switch (op) {
    case ":-":
      if (nonEmpty) r.out += value;
      else useWord();
      break;
    case "-":
      if (set) r.out += value;
      else useWord();
      break;
    case ":?":
    case "?":
      if (op === ":?" ? nonEmpty : set) r.out += value;
      else r.errors.push(`required variable ${name} is ${set ? "empty" : "not set"}${word.out ? `: ${word.out}` : ""}`);
      break;
    case ":+":
      if (nonEmpty) useWord();
      break;
    case "+":
      if (set) useWord();
      break;
  }
  return word.end + 1;
}
