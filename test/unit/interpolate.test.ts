import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { interpolate, Lookup } from "../../src/validate/interpolate";

/** A lookup over a fixed set of variables; `EMPTY` is set to the empty string. */
const vars: Record<string, string> = { A: "alpha", B: "beta", EMPTY: "", PORT: "8080" };
const lookup: Lookup = (name) => (Object.prototype.hasOwnProperty.call(vars, name) ? vars[name] : undefined);
const run = (s: string) => interpolate(s, lookup);

describe("interpolate: plain forms", () => {
  it("returns text without '$' unchanged", () => {
    assert.deepEqual(run("no variables here"), { value: "no variables here", unset: [], errors: [] });
  });

  it("turns '$$' into a literal '$' without looking anything up", () => {
    const seen: string[] = [];
    const r = interpolate("cost: $$5 and $${A}", (n) => (seen.push(n), "X"));
    assert.equal(r.value, "cost: $5 and ${A}");
    assert.deepEqual(seen, []);
    assert.deepEqual(r.errors, []);
  });

  it("substitutes $VAR up to the end of the name", () => {
    assert.equal(run("$A").value, "alpha");
    assert.equal(run("x-$A-y").value, "x-alpha-y");
    assert.equal(run("$A.$B").value, "alpha.beta");
    assert.equal(run("$A_B").value, "", "the name is A_B, which is unset");
  });

  it("substitutes ${VAR}, also next to letters", () => {
    assert.equal(run("${A}").value, "alpha");
    assert.equal(run("${A}x${B}").value, "alphaxbeta");
    assert.equal(run("localhost:${PORT}/path").value, "localhost:8080/path");
  });

  it("keeps a set-but-empty variable empty", () => {
    assert.deepEqual(run("[${EMPTY}]"), { value: "[]", unset: [], errors: [] });
  });
});

describe("interpolate: defaults", () => {
  it("${VAR:-d} uses the default when VAR is unset", () => {
    assert.deepEqual(run("${NOPE:-d}"), { value: "d", unset: [], errors: [] });
  });
  it("${VAR:-d} uses the default when VAR is empty", () => {
    assert.equal(run("${EMPTY:-d}").value, "d");
  });
  it("${VAR:-d} uses the value when VAR is set and non-empty", () => {
    assert.equal(run("${A:-d}").value, "alpha");
  });
  it("${VAR-d} uses the default only when VAR is unset, not when it is empty", () => {
    assert.equal(run("${NOPE-d}").value, "d");
    assert.equal(run("[${EMPTY-d}]").value, "[]");
    assert.equal(run("${A-d}").value, "alpha");
  });
  it("a default may be empty, contain spaces and colons", () => {
    assert.equal(run("[${NOPE:-}]").value, "[]");
    assert.equal(run("${NOPE:-a b:c}").value, "a b:c");
  });
});

describe("interpolate: required variables", () => {
  it("${VAR:?msg} fails when VAR is unset or empty, with the message", () => {
    const unset = run("${NOPE:?give NOPE a value}");
    assert.equal(unset.errors.length, 1);
    assert.match(unset.errors[0], /NOPE/);
    assert.match(unset.errors[0], /not set/);
    assert.match(unset.errors[0], /give NOPE a value/);
    const empty = run("${EMPTY:?must not be empty}");
    assert.equal(empty.errors.length, 1);
    assert.match(empty.errors[0], /EMPTY is empty/);
    assert.match(empty.errors[0], /must not be empty/);
  });
  it("${VAR:?msg} passes the value through when set and non-empty", () => {
    assert.deepEqual(run("${A:?msg}"), { value: "alpha", unset: [], errors: [] });
  });
  it("${VAR?msg} fails only when VAR is unset; empty is accepted", () => {
    const unset = run("${NOPE?needed}");
    assert.equal(unset.errors.length, 1);
    assert.match(unset.errors[0], /NOPE is not set: needed/);
    assert.deepEqual(run("[${EMPTY?needed}]"), { value: "[]", unset: [], errors: [] });
    assert.equal(run("${A?needed}").value, "alpha");
  });
});

describe("interpolate: alternatives", () => {
  it("${VAR:+alt} gives alt when VAR is set and non-empty, else empty", () => {
    assert.equal(run("${A:+alt}").value, "alt");
    assert.equal(run("[${EMPTY:+alt}]").value, "[]");
    assert.equal(run("[${NOPE:+alt}]").value, "[]");
  });
  it("${VAR+alt} gives alt when VAR is set, even empty", () => {
    assert.equal(run("${A+alt}").value, "alt");
    assert.equal(run("${EMPTY+alt}").value, "alt");
    assert.equal(run("[${NOPE+alt}]").value, "[]");
  });
  it("an unset variable tested by :+ / + is not reported as unset (compose does not warn)", () => {
    assert.deepEqual(run("${NOPE:+x}").unset, []);
    assert.deepEqual(run("${NOPE+x}").unset, []);
  });
});

describe("interpolate: nesting", () => {
  it("${A:-${B:-x}} resolves the inner default only when needed", () => {
    assert.equal(run("${A:-${B:-x}}").value, "alpha");
    assert.equal(run("${NOPE:-${B:-x}}").value, "beta");
    assert.equal(run("${NOPE:-${NOPE2:-x}}").value, "x");
    assert.equal(run("${NOPE:-pre-${B}-post}").value, "pre-beta-post");
  });
  it("alternatives may nest variables too", () => {
    assert.equal(run("${A:+--port=${PORT}}").value, "--port=8080");
  });
  it("'$$' inside a default is a literal '$'", () => {
    assert.equal(run("${NOPE:-$$HOME}").value, "$HOME");
  });
});

describe("interpolate: unset variables", () => {
  it("an unset variable becomes empty and is reported once", () => {
    const r = run("a${NOPE}b$NOPE c");
    assert.equal(r.value, "ab c");
    assert.deepEqual(r.unset, ["NOPE"]);
    assert.deepEqual(r.errors, []);
  });
  it("reports every unset variable used", () => {
    assert.deepEqual(run("$X ${Y} ${A}").unset, ["X", "Y"]);
  });
  it("unset variables of an unused default are not reported", () => {
    assert.deepEqual(run("${A:-${NOPE}}"), { value: "alpha", unset: [], errors: [] });
    assert.deepEqual(run("${EMPTY-$NOPE}").unset, []);
  });
  it("unset variables of a used default are reported", () => {
    const r = run("${MISSING:-${NOPE}}");
    assert.equal(r.value, "");
    assert.deepEqual(r.unset, ["NOPE"]);
  });
  it("errors of an unused default are not reported", () => {
    assert.deepEqual(run("${A:-${NOPE:?required}}").errors, []);
    assert.equal(run("${NOPE:-${NOPE2:?required}}").errors.length, 1);
  });
});

describe("interpolate: malformed expressions", () => {
  for (const bad of ["$", "price: 5$", "${}", "${A", "${A!}", "${A:-x", "$1", "${1A}", "${A:}"]) {
    it(`'${bad}' is an error and the text is left as written`, () => {
      const r = run(bad);
      assert.equal(r.errors.length, 1, `errors for ${bad}: ${JSON.stringify(r.errors)}`);
      assert.match(r.errors[0], /invalid interpolation/);
      assert.equal(r.value, bad);
      assert.deepEqual(r.unset, []);
    });
  }
  it("a lone '$' error tells how to write a literal dollar", () => {
    assert.match(run("$").errors[0], /'\$\$'/);
  });
  it("an unclosed brace error names the variable", () => {
    assert.match(run("${A").errors[0], /\$\{A/);
  });
});
