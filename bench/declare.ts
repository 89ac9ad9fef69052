/**
 * Benchmark (prints figures, asserts nothing): read, validate, plan and declare a generated
 * repository of N services (default 200) under Pulumi mocks. Target: under 2 s for 200 services.
 * Usage: npm run bench [-- N]
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { planDeployment } from "../src/pipeline";
import { WorkingTree } from "../src/read/files";
import { readSettings } from "../src/settings";
import { runProgram, TEST_CONFIG } from "../test/mock/recorder";

const count = Number(process.argv[2] ?? 200);
// tsx turns on source maps, which make each of the stack traces the Pulumi SDK captures per resource
// and per promise costly; figures are printed with them on (as under `pulumi up`) unless told otherwise.
const sourceMaps = process.env.BENCH_SOURCE_MAPS !== "0";
process.setSourceMapsEnabled(sourceMaps);

function generate(root: string, n: number): void {
  for (let i = 0; i < n; i++) {
    const name = `pica-bench-${String(i).padStart(3, "0")}`;
    const dir = path.join(root, "services", name);
    fs.mkdirSync(path.join(dir, "secrets"), { recursive: true });
    fs.writeFileSync(path.join(dir, "README.md"), `# ${name}\n`);
    fs.writeFileSync(path.join(dir, "CHANGELOG.md"), `# ${name}\n\n## 1.0.${i}\n`);
    fs.writeFileSync(path.join(dir, "Dockerfile"), `FROM debian:bookworm-slim\nARG VERSION=1.0.${i}\n`);
    fs.writeFileSync(path.join(dir, ".env"), `DB_VERSION=16.${i % 10}\n`);
    fs.writeFileSync(path.join(dir, "app.conf"), `url = https://${name}.picasoft.net/\nmail = admin@picasoft.net\n`);
    fs.writeFileSync(path.join(dir, "secrets", "db.secrets.example"), `POSTGRES_PASSWORD=example\n`);
    fs.writeFileSync(path.join(dir, "docker-compose.yml"), `services:
  app:
    image: registry.picasoft.net/${name}:1.0.${i}
    build: .
    restart: unless-stopped
    env_file: ./secrets/db.secrets
    environment:
      SITE_URL: https://${name}.picasoft.net
    volumes:
      - ./app.conf:/etc/app.conf:ro
      - data:/data
    labels:
      traefik.http.routers.${name}.rule: Host(\`${name}.picasoft.net\`)
    healthcheck:
      test: ["CMD", "true"]
      interval: 10s
    depends_on: [db]
    networks: [proxy, db]
  db:
    image: postgres:\${DB_VERSION}
    env_file: ./secrets/db.secrets
    volumes: [db:/var/lib/postgresql/data]
    networks: [db]
volumes:
  data: {}
  db: {}
networks:
  proxy:
    external: true
  db: {}
`);
  }
}

async function main(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "bench-"));
  try {
    generate(root, count);
    const { settings } = readSettings("test", (k) => {
      const v = (TEST_CONFIG as Record<string, unknown>)[k];
      return v === undefined ? undefined : typeof v === "string" ? v : JSON.stringify(v);
    });
    const t0 = performance.now();
    const plan = planDeployment({ settings: settings!, view: new WorkingTree(root), environment: (n) => process.env[n] });
    const t1 = performance.now();
    if (plan.problems.some((p) => p.severity === "error")) throw new Error(`generated repository is invalid: ${JSON.stringify(plan.problems.slice(0, 3))}`);
    const heapBefore = process.memoryUsage().heapUsed;
    const t2 = performance.now();
    const declared = await runProgram("test", TEST_CONFIG, { cwd: root });
    const t3 = performance.now();
    const heapAfter = process.memoryUsage().heapUsed;
    const pure = t1 - t0;
    const whole = t3 - t2;
    console.log(`services: ${count}; resources declared: ${declared.resources.length}; source maps: ${sourceMaps ? "on" : "off"}`);
    console.log(`read + validate + plan (pure stages): ${pure.toFixed(0)} ms (${(pure / count).toFixed(2)} ms/service)`);
    console.log(`whole program under mocks (read → declare, resources registered): ${whole.toFixed(0)} ms (${(whole / count).toFixed(2)} ms/service)`);
    console.log(`heap growth during the mocked run: ${((heapAfter - heapBefore) / 2 ** 20).toFixed(0)} MiB`);
    console.log(`target: under 2000 ms for 200 services: ${whole < 2000 * (count / 200) ? "met" : "NOT met"}`);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
