/** The benchmarks' service folders: N copies of the e2e-web fixture (one home-built image, one container each). */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO_ROOT } from "../test/e2e/harness";

const FIXTURE = path.join(REPO_ROOT, "test/fixtures/services/e2e-web");

/** N copies of e2e-web as `e2e-s<i>` (no host port: N copies cannot share one). */
export function writeFolders(n: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-scale-"));
  for (let i = 0; i < n; i++) {
    const folder = path.join(dir, `e2e-s${i}`);
    fs.cpSync(FIXTURE, folder, { recursive: true });
    const compose = path.join(folder, "docker-compose.yml");
    fs.writeFileSync(compose, fs.readFileSync(compose, "utf8").replaceAll("e2e-web", `e2e-s${i}`).replace(/\n {4}ports:\n(\s+- .*\n)+/, "\n"));
  }
  return dir;
}

/** Sets the folder's `bench` label (a change that replaces its container and nothing else). */
export function relabel(composeFile: string, value: string): void {
  fs.writeFileSync(composeFile, fs.readFileSync(composeFile, "utf8").replace(/traefik\.enable: "true"(\n\s+bench: .*)?/, `traefik.enable: "true"\n      bench: ${value}`));
}
