import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseEnvFile } from "../../src/validate/envFile";
import { Lookup } from "../../src/validate/interpolate";

const env = (vars: Record<string, string>): Lookup => (name) => (Object.prototype.hasOwnProperty.call(vars, name) ? vars[name] : undefined);
const none: Lookup = () => undefined;

/** name → value of the parsed entries. */
function values(text: string, environment: Lookup = none): Record<string, string> {
  const r = parseEnvFile(text, environment);
  return Object.fromEntries(r.entries.map((e) => [e.name, e.value]));
}

describe("parseEnvFile: lines", () => {
  it("skips comments and blank lines, and records each entry's line", () => {
    const text = "# a comment\n\nA=1\n   # indented comment\n\t\nB=2\n";
    const r = parseEnvFile(text, none);
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.entries, [
      { name: "A", value: "1", line: 3 },
      { name: "B", value: "2", line: 6 },
    ]);
  });

  it("accepts an 'export' prefix", () => {
    assert.deepEqual(values("export A=1\nexport   B=two\n"), { A: "1", B: "two" });
  });

  it("reads CRLF files like LF files", () => {
    assert.deepEqual(values("A=1\r\nB=2\r\n"), { A: "1", B: "2" });
  });

  it("keeps '=' inside values and allows an empty value", () => {
    assert.deepEqual(values("URL=postgres://u:p@h/db?a=b\nEMPTY=\n"), { URL: "postgres://u:p@h/db?a=b", EMPTY: "" });
  });

  it("a later line overrides an earlier one", () => {
    assert.deepEqual(values("A=1\nA=2\n"), { A: "2" });
  });
});

describe("parseEnvFile: bare NAME", () => {
  it("takes NAME from the environment", () => {
    assert.deepEqual(values("HOME\n", env({ HOME: "/root" })), { HOME: "/root" });
  });
  it("drops NAME when the environment does not set it, without a problem", () => {
    const r = parseEnvFile("MISSING\nA=1\n", none);
    assert.deepEqual(r.entries.map((e) => e.name), ["A"]);
    assert.deepEqual(r.problems, []);
  });
  it("keeps NAME set to the empty string when the environment has it empty", () => {
    assert.deepEqual(values("EMPTY\n", env({ EMPTY: "" })), { EMPTY: "" });
  });
});

describe("parseEnvFile: quoting", () => {
  it("single quotes are literal: no ${} expansion, no escapes", () => {
    const r = parseEnvFile("A='${HOME} $HOME \\n # not a comment'\n", env({ HOME: "/root" }));
    assert.deepEqual(r.problems, []);
    assert.equal(r.entries[0].value, "${HOME} $HOME \\n # not a comment");
  });

  it("double quotes know \\n, \\t, \\\" and \\\\ escapes", () => {
    assert.equal(values('A="line1\\nline2\\tx \\"q\\" back\\\\slash"\n').A, 'line1\nline2\tx "q" back\\slash');
  });

  it("double quotes expand variables, '\\$' and '$$' stay literal dollars", () => {
    const v = values('A="home=${HOME} user=$USER price=\\$5 cost=$$6"\n', env({ HOME: "/root", USER: "bob" }));
    assert.equal(v.A, "home=/root user=bob price=$5 cost=$6");
  });

  it("a '#' inside quotes is part of the value, a comment after the closing quote is ignored", () => {
    assert.deepEqual(values("A=\"x # y\"  # trailing\nB='p#q' # c\n"), { A: "x # y", B: "p#q" });
  });

  it("text after a closing quote is an error at its line", () => {
    const r = parseEnvFile("OK=1\nA=\"x\" junk\n", none);
    assert.equal(r.problems.length, 1);
    assert.equal(r.problems[0].line, 2);
    assert.equal(r.problems[0].severity, "error");
    assert.match(r.problems[0].message, /junk/);
  });

  it("multi-line quoted values span lines until the closing quote", () => {
    const text = 'KEY="-----BEGIN-----\nabc\n-----END-----"\nAFTER=1\nS=\'one\ntwo\'\n';
    const r = parseEnvFile(text, none);
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.entries, [
      { name: "KEY", value: "-----BEGIN-----\nabc\n-----END-----", line: 1 },
      { name: "AFTER", value: "1", line: 4 },
      { name: "S", value: "one\ntwo", line: 5 },
    ]);
  });

  it("an unterminated quote is an error at the line where the value starts", () => {
    const r = parseEnvFile("A=1\nB=\"never closed\nC=3\n", none);
    const errors = r.problems.filter((p) => p.severity === "error");
    assert.equal(errors.length, 1);
    assert.equal(errors[0].line, 2);
    assert.match(errors[0].message, /unterminated double-quoted value for B/);
    assert.equal(values("A=1\n").A, "1");
  });
});

describe("parseEnvFile: unquoted values", () => {
  it("an unquoted ' #' starts an inline comment; '#' without a space does not", () => {
    assert.deepEqual(values("A=value # comment\nB=a#b\nC=x\t# tab comment\n"), { A: "value", B: "a#b", C: "x" });
  });
  it("trims spaces around unquoted values", () => {
    assert.deepEqual(values("A =   spaced out   \n"), { A: "spaced out" });
  });
  it("expands ${VAR} and $VAR from the environment", () => {
    assert.deepEqual(values("A=${HOME}/x\nB=$HOME\n", env({ HOME: "/root" })), { A: "/root/x", B: "/root" });
  });
  it("supports interpolation defaults", () => {
    assert.deepEqual(values("A=${NOPE:-fallback}\n"), { A: "fallback" });
  });
});

describe("parseEnvFile: references to earlier lines", () => {
  it("${A} takes A from an earlier line of the same file before the environment", () => {
    const v = values("A=from-file\nB=${A}-b\nC=\"$A c\"\n", env({ A: "from-env" }));
    assert.deepEqual(v, { A: "from-file", B: "from-file-b", C: "from-file c" });
  });
  it("a variable defined on a later line is not seen by an earlier line", () => {
    const r = parseEnvFile("B=${A}\nA=1\n", env({ A: "env" }));
    assert.equal(r.entries.find((e) => e.name === "B")?.value, "env");
  });
  it("an unset variable is a warning at its line and becomes empty", () => {
    const r = parseEnvFile("A=1\nB=x${NOPE}y\n", none);
    assert.equal(r.entries.find((e) => e.name === "B")?.value, "xy");
    assert.equal(r.problems.length, 1);
    assert.equal(r.problems[0].severity, "warning");
    assert.equal(r.problems[0].line, 2);
    assert.match(r.problems[0].message, /NOPE/);
  });
  it("a malformed expression is an error naming the key", () => {
    const r = parseEnvFile("\nA=${oops\n", none);
    assert.equal(r.problems.length, 1);
    assert.equal(r.problems[0].severity, "error");
    assert.equal(r.problems[0].line, 2);
    assert.match(r.problems[0].message, /^A: invalid interpolation/);
  });
  it("a failed ${VAR:?msg} requirement is an error", () => {
    const r = parseEnvFile("A=${NOPE:?set NOPE first}\n", none);
    assert.equal(r.problems[0]?.severity, "error");
    assert.match(r.problems[0].message, /set NOPE first/);
  });
});

describe("parseEnvFile: invalid keys", () => {
  it("reports an invalid key with its line and column and keeps going", () => {
    const r = parseEnvFile("A=1\n# comment\n1BAD=x\n  bad key=y\nC=3\n", none);
    assert.deepEqual(values("A=1\n# comment\n1BAD=x\n  bad key=y\nC=3\n"), { A: "1", C: "3" });
    assert.deepEqual(
      r.problems.map((p) => [p.line, p.column, p.severity]),
      [
        [3, 1, "error"],
        [4, 3, "error"],
      ],
    );
    assert.match(r.problems[0].message, /'1BAD' is not a valid variable name/);
    assert.match(r.problems[1].message, /'bad key' is not a valid variable name/);
  });
  it("a line without a name ('=x') is invalid", () => {
    const r = parseEnvFile("=x\n", none);
    assert.equal(r.problems.length, 1);
    assert.equal(r.problems[0].line, 1);
  });
  it("an error in a value after an 'export' prefix is placed at the value's column", () => {
    const r = parseEnvFile("export A=${\n", none);
    assert.equal(r.problems.length, 1);
    assert.equal(r.problems[0].line, 1);
    assert.equal(r.problems[0].column, 10, "'${' starts at column 10 of 'export A=${'");
  });
  it("an invalid key after an 'export' prefix is placed at the key's column", () => {
    const r = parseEnvFile("export 1BAD=x\n", none);
    assert.deepEqual(r.problems.map((p) => [p.line, p.column]), [[1, 8]]);
  });
});
