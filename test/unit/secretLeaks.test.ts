import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { planDeployment } from "../../src/pipeline";
import { formatProblem } from "../../src/problems";
import { MemoryFiles } from "../../src/read/files";
import { readSettings } from "../../src/settings";

/** Real secret values that must never appear in a message, whatever is wrong with their files. */
const SECRETS = ["s3cr$et!pa55", "quoted-secret", "tail-fragment", "hunter2-configured"];

describe("messages never quote a prod secret", () => {
  it("names keys and files, never values, for every problem of a real secrets file", () => {
    const view = new MemoryFiles({
      "services/pica-a/README.md": "# a\n",
      "services/pica-a/docker-compose.yml": "services:\n  app:\n    image: nginx:1.27\n    env_file: ./secrets/app.secrets\n",
      "services/pica-a/secrets/app.secrets.example": "BAD_DOLLAR=x\nQUOTED=x\nSAME=example-value\nMISSING=x\nFROM_CONFIG=x\n",
      // An invalid '$' reference, text after a closing quote, a value equal to its example.
      "services/pica-a/secrets/app.secrets": 'BAD_DOLLAR=s3cr$et!pa55\nQUOTED="quoted-secret"tail-fragment\nSAME=example-value\n',
    });
    const config: Record<string, string> = { kind: "prod", secrets: JSON.stringify({ "pica-a": { app: { FROM_CONFIG: "hunter2-configured" } } }) };
    const { settings } = readSettings("prod", (k) => config[k]);
    const plan = planDeployment({ settings: settings!, view, environment: () => undefined });
    const text = plan.problems.map((p) => formatProblem(p)).join("\n");
    assert.match(text, /app\.secrets:1:\d+: warning: BAD_DOLLAR: the value refers to a variable that is not set/);
    assert.match(text, /app\.secrets:2:1: error: unexpected text after the closing quote of QUOTED/);
    assert.match(text, /prod secret SAME \(services\/pica-a\/secrets\/app\.secrets:3\) equals its example value/);
    assert.match(text, /prod secret MISSING has no value/);
    for (const s of SECRETS) assert.ok(!text.includes(s), `no message quotes '${s}'`);
    assert.ok(!/\bet\b/.test(text), "not even the name of a variable found inside a password");
  });
});
