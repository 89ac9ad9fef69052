import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readBuildContext } from "../../src/read/buildContext";
import { MemoryFiles } from "../../src/read/files";

const DIR = "services/demo";
const folder = (extra: Record<string, string> = {}): MemoryFiles =>
  new MemoryFiles({
    [`${DIR}/Dockerfile`]: "FROM debian:bookworm-slim\n# see README.md and CHANGELOG.md\nCOPY app.conf /etc/app.conf\n",
    [`${DIR}/app.conf`]: "listen 80\n",
    [`${DIR}/README.md`]: "# demo\n",
    [`${DIR}/CHANGELOG.md`]: "# Changelog\n",
    [`${DIR}/docker-compose.yml`]: "services: {}\n",
    [`${DIR}/.env`]: "TAG=1\n",
    [`${DIR}/secrets/app.secrets.example`]: "KEY=example\n",
    [`${DIR}/secrets/app.secrets`]: "KEY=real\n",
    ...extra,
  });

describe("build context: what the builder receives", () => {
  it("leaves out documentation, compose files, .env and secrets when there is no .dockerignore", () => {
    const ctx = readBuildContext(folder(), DIR, `${DIR}/Dockerfile`);
    assert.deepEqual(ctx.files, ["Dockerfile", "app.conf"]);
  });

  it("keeps a documentation file that a COPY or ADD instruction names (comments do not count)", () => {
    const view = folder({ [`${DIR}/Dockerfile`]: "FROM x\n# CHANGELOG.md\nCOPY README.md \\\n  /doc/README.md\n" });
    assert.deepEqual(readBuildContext(view, DIR, `${DIR}/Dockerfile`).files, ["Dockerfile", "README.md", "app.conf"]);
  });

  it("follows the folder's .dockerignore (Docker's semantics, negations included), always with the Dockerfile and never real secrets", () => {
    const view = folder({ [`${DIR}/.dockerignore`]: "*\n!app.conf\n!secrets\n", [`${DIR}/site/index.html`]: "<p>hi</p>\n" });
    assert.deepEqual(readBuildContext(view, DIR, `${DIR}/Dockerfile`).files, [".dockerignore", "Dockerfile", "app.conf", "secrets/app.secrets.example"]);
  });

  it("works for a context below the service folder", () => {
    const view = folder({ [`${DIR}/db/Dockerfile`]: "FROM x\n", [`${DIR}/db/init.sql`]: "select 1;\n" });
    assert.deepEqual(readBuildContext(view, `${DIR}/db`, `${DIR}/db/Dockerfile`).files, ["Dockerfile", "init.sql"]);
  });

  it("digests exactly what is sent: a README or compose edit changes nothing, a config or mode change does", () => {
    const base = readBuildContext(folder(), DIR, `${DIR}/Dockerfile`).digest;
    assert.equal(readBuildContext(folder({ [`${DIR}/README.md`]: "# demo, more docs\n" }), DIR, `${DIR}/Dockerfile`).digest, base);
    assert.equal(readBuildContext(folder({ [`${DIR}/docker-compose.yml`]: "services: {a: {}}\n" }), DIR, `${DIR}/Dockerfile`).digest, base);
    assert.notEqual(readBuildContext(folder({ [`${DIR}/app.conf`]: "listen 8080\n" }), DIR, `${DIR}/Dockerfile`).digest, base);
    const executable = Object.assign(folder(), { isExecutable: (f: string) => f.endsWith("app.conf") });
    assert.notEqual(readBuildContext(executable, DIR, `${DIR}/Dockerfile`).digest, base);
  });
});
