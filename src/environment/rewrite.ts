import { RewriteRule } from "../settings";

export type { RewriteRule };

const HOST_CHAR = /[A-Za-z0-9-]/;

/**
 * The spellings of a domain's dots that programs read as that domain: plain, escaped in a regular
 * expression (`picasoft\.net`, e.g. Traefik's redirectregex), escaped twice inside a quoted string
 * (`picasoft\\.net` in JSON or YAML), and URL-encoded (`picasoft%2Enet`). Letters match in any case;
 * a trailing dot (`picasoft.net.`) is the plain spelling followed by a dot.
 */
const SEPARATORS = [".", "\\.", "\\\\.", "%2E", "%2e"] as const;

const spell = (name: string, separator: string): string => name.split(".").join(separator);

/** A production name found in a text, and what it becomes on the test stack. */
export interface NameMatch {
  readonly index: number;
  readonly text: string;
  readonly replacement: string;
}

/**
 * Production names in `text`, whatever their spelling. `from` matches only as a whole domain suffix
 * (`team.picasoft.net`, never `mypicasoft.net` or `picasoft.network`). Text that is already a test
 * name (`to`) or a protected name (the registry's host, names the stack keeps on purpose) is skipped,
 * so rewriting is idempotent.
 */
export function findProductionNames(text: string, rules: readonly RewriteRule[], protectedNames: readonly string[] = []): NameMatch[] {
  if (rules.length === 0) return [];
  const lower = text.toLowerCase();
  if (!rules.some((r) => lower.includes(r.from.split(".")[0].toLowerCase()))) return [];
  const keep = [...new Set([...rules.map((r) => r.to), ...protectedNames])].filter((k) => k !== "").sort((a, b) => b.length - a.length);
  const matches: NameMatch[] = [];
  let i = 0;
  outer: while (i < text.length) {
    if (startsName(text, i)) {
      for (const k of keep) {
        const length = matchAt(lower, i, k.toLowerCase());
        if (length > 0) {
          i += length;
          continue outer;
        }
      }
      for (const r of rules) {
        for (const sep of SEPARATORS) {
          const spelled = spell(r.from, sep);
          if (lower.startsWith(spelled.toLowerCase(), i) && endsName(text, i + spelled.length)) {
            const found = text.slice(i, i + spelled.length);
            const to = spell(r.to, sep);
            matches.push({ index: i, text: found, replacement: found === found.toUpperCase() && found !== found.toLowerCase() ? to.toUpperCase() : to });
            i += spelled.length;
            continue outer;
          }
        }
      }
    }
    i++;
  }
  return matches;
}

/** Rewrites production host names into test ones, in every spelling (see findProductionNames). */
export function rewriteText(text: string, rules: readonly RewriteRule[], protectedNames: readonly string[] = []): string {
  return replaceMatches(text, findProductionNames(text, rules, protectedNames));
}

/** `text` with each match (from findProductionNames on that text) replaced by its test name. */
export function replaceMatches(text: string, matches: readonly NameMatch[]): string {
  let out = "";
  let at = 0;
  for (const m of matches) {
    out += text.slice(at, m.index) + m.replacement;
    at = m.index + m.text.length;
  }
  return at === 0 ? text : out + text.slice(at);
}

/** Length of `name` (in any spelling) at `i` of the lower-cased text, or 0. */
function matchAt(lower: string, i: number, name: string): number {
  for (const sep of SEPARATORS) {
    const spelled = spell(name, sep).toLowerCase();
    if (lower.startsWith(spelled, i) && endsName(lower, i + spelled.length)) return spelled.length;
  }
  return 0;
}

/** A name starts where no host-name character precedes it, or right after an encoded dot. */
function startsName(text: string, i: number): boolean {
  return i === 0 || !HOST_CHAR.test(text[i - 1]) || /%2e$/i.test(text.slice(Math.max(0, i - 3), i));
}

/** A name ends where no host-name character follows (a final dot ending a sentence is fine). */
function endsName(text: string, end: number): boolean {
  if (end >= text.length) return true;
  if (HOST_CHAR.test(text[end])) return false;
  // Another label follows, in any spelling: `picasoft.net.example.org` is another domain.
  return !SEPARATORS.some((sep) => text.startsWith(sep, end) && HOST_CHAR.test(text[end + sep.length] ?? ""));
}
