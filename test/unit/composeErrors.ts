import assert from "node:assert/strict";
import { loadComposeDocument } from "../../src/validate/composeDocument";
import { MemoryFiles } from "../../src/read/files";
import { buildComposeProject } from "../../src/validate/composeProject";

const FILE = "services/demo/docker-compose.yml";

/** The errors `check` reports for an inline compose file of `services/demo`, as `line:col: message`. */
export function composeErrors(yaml: string): string[] {
  const loaded = loadComposeDocument(FILE, yaml, () => undefined);
  assert.deepEqual(loaded.problems.filter((p) => p.severity === "error"), [], "the fixture must pass the compose-spec schema");
  const built = buildComposeProject({ name: "demo", dir: "services/demo", composeFile: FILE, composeText: yaml, files: new MemoryFiles({ [FILE]: yaml }) }, loaded.document!);
  return built.problems.filter((p) => p.severity === "error").map((p) => `${p.line}:${p.column}: ${p.message}`);
}
