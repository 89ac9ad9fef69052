import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { COMMAND, Declared, find, isSecret, PROD_SECRETS as SECRETS, runProgram } from "./recorder";

/** The record each service exports at `up` (what `npm run plan` compares with), on prod. */
describe("the record of what each container runs (mocks, prod)", () => {
  let d: Declared;
  before(async () => {
    d = await runProgram(
      "prod",
      { kind: "prod", registry: { server: "registry.picasoft.net", username: "deploy", password: "registry-pass" }, secrets: SECRETS },
      { secretKeys: ["secrets", "registry"] },
    );
  });

  it("is plain data with every secret value replaced by a keyed hash", () => {
    const record = d.outputs["pica-pad"].record;
    assert.equal(record.version, 1);
    assert.ok(!isSecret(record), "the record is not a secret: it holds none");
    const text = JSON.stringify(d.outputs);
    for (const secret of ["s3cr3t-pad-db", "s3cr3t-mm", "registry-pass"]) assert.ok(!text.includes(secret), `${secret} in the outputs`);
    const db = record.containers.db;
    assert.match(db.env.POSTGRES_PASSWORD.secretHash, /^[0-9a-f]{24}$/);
    assert.equal(db.env.POSTGRES_PASSWORD.value, undefined);
    assert.equal(db.name, "pica-pad-db");
    assert.ok(db.inputsHash);
  });

  it("makes its key with a command whose output is never logged", () => {
    const key = find(d, COMMAND, "record-key");
    assert.equal(key.inputs.logging, "none");
  });
});
