import assert from "node:assert/strict";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { docker, e2e, openProject, Project, removeLeftovers, removeRunImages, REPO_ROOT, skipReason } from "./harness";

/**
 * depends_on with `condition: service_completed_successfully`, for real: a one-shot job (a migration)
 * runs to completion before the service that needs it starts, whatever the order of the file.
 */
describe("a one-shot job that an app waits for, deployed for real", { skip: skipReason() }, () => {
  const CONTAINERS = [e2e("e2e-job-app"), e2e("e2e-job-migrate")];
  const VOLUMES = [e2e("e2e-job-data")];
  let p: Project;
  after(async () => {
    try {
      await p?.stack.destroy();
    } catch {
      removeLeftovers(CONTAINERS, [], VOLUMES);
    }
    await p?.cleanup();
    removeRunImages();
  });

  it("runs the job to completion first, then the app; a second up changes nothing", async () => {
    removeLeftovers(CONTAINERS, [], VOLUMES);
    p = await openProject(path.join(REPO_ROOT, "test/fixtures/jobs"));
    assert.equal((await p.stack.up()).summary.result, "succeeded");
    const [app, job] = CONTAINERS.map((c) => docker("inspect", "--format", "{{.State.Status}} {{.State.ExitCode}} {{.State.StartedAt}} {{.State.FinishedAt}}", c).split(" "));
    assert.deepEqual(job.slice(0, 2), ["exited", "0"], "the job completed");
    assert.equal(app[0], "running", "the app found what the job wrote");
    assert.ok(new Date(app[2]) >= new Date(job[3]), `the app started (${app[2]}) after the job finished (${job[3]})`);
    assert.equal(docker("inspect", "--format", "{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}}", CONTAINERS[0]), `${64 * 1024 * 1024} 500000000`, "mem_limit and cpus reach the engine");
    // A stopped job is what the stack declares: no perpetual restart or difference.
    assert.equal((await p.stack.up({ expectNoChanges: true })).summary.result, "succeeded");
  });

  it("a job that fails stops the deployment, naming it, with its exit code and logs; the app is not replaced", async () => {
    const appId = docker("inspect", "--format", "{{.Id}}", CONTAINERS[0]);
    p.edit(e2e("services/e2e-job/docker-compose.yml"), (t) => t.replace("echo migration done", "echo 'migration failed: no disk' >&2; exit 3"));
    await assert.rejects(p.stack.up(), (e: Error) => {
      assert.match(e.message, new RegExp(e2e(String.raw`e2e-job/migrate: container e2e-job-migrate exited with code 3; what waits for it to complete \(depends_on: service_completed_successfully\) was not started\.`)));
      assert.match(e.message, /migration failed: no disk/);
      return true;
    });
    assert.equal(docker("inspect", "--format", "{{.Id}}", CONTAINERS[0]), appId);
  });
});
