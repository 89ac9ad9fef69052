/** A production → test rewrite, e.g. `picasoft.net` → `test.picasoft.net`. */
export interface RewriteRule {
  readonly from: string;
  readonly to: string;
}

const HOST_CHAR = /[A-Za-z0-9-]/;

/**
 * Rewrites production host names into test ones. `from` matches only as a whole domain suffix
 * (`team.picasoft.net`, never `mypicasoft.net` or `picasoft.network`). Text that is already a
 * rewritten name (`to`) or a protected name (the registry's host: image references must keep
 * pointing at production images) is copied unchanged, so rewriting is idempotent.
 */
export function rewriteText(text: string, rules: readonly RewriteRule[], protectedNames: readonly string[] = []): string {
  if (rules.length === 0) return text;
  const keep = [...new Set([...rules.map((r) => r.to), ...protectedNames])].filter((k) => k !== "").sort((a, b) => b.length - a.length);
  let out = "";
  let i = 0;
  outer: while (i < text.length) {
    if (i === 0 || !HOST_CHAR.test(text[i - 1])) {
      for (const k of keep) {
        if (text.startsWith(k, i) && endsAtBoundary(text, i + k.length)) {
          out += k;
          i += k.length;
          continue outer;
        }
      }
      for (const r of rules) {
        if (text.startsWith(r.from, i) && endsAtBoundary(text, i + r.from.length)) {
          out += r.to;
          i += r.from.length;
          continue outer;
        }
      }
    }
    out += text[i];
    i++;
  }
  return out;
}

/** A name ends where no host-name character follows (a final dot ending a sentence is fine). */
function endsAtBoundary(text: string, end: number): boolean {
  return end >= text.length || !HOST_CHAR.test(text[end]) && !(text[end] === "." && HOST_CHAR.test(text[end + 1] ?? ""));
}
