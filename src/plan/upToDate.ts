import { LABELS } from "../environment/labels";
import { Fingerprints } from "../environment/fingerprint";
import { DeploymentPlan, oneShotJobs } from "../environment/plan";
import { DeployedState } from "../read/deployedState";
import { DockerView } from "../read/dockerEngine";

/**
 * Whether an `up` has nothing to do, decided without the engine: the fingerprints the last successful
 * `up` recorded equal those of the checkout (program, settings, commit, and each folder's whole plan),
 * the state is settled (no lock, nothing pending, the last update succeeded), and Docker runs what
 * the state says (each container there, running unless a one-shot job, with its inputs hash and its
 * image; each network and volume there). Anything else: the engine runs, with a refresh when Docker
 * drifted. Pure: what was read in, a verdict out.
 */
export type Verdict =
  | { readonly upToDate: true }
  | { readonly upToDate: false; readonly refresh: boolean; readonly reasons: readonly string[]; readonly unchanged: readonly string[] };

/** What the checkout deploys, as far as the check compares it: small enough to keep between runs. */
export interface Expectation {
  readonly fingerprints: Fingerprints;
  readonly containers: readonly { readonly folder: string; readonly name: string; readonly inputsHash: string; readonly mayStop: boolean }[];
  readonly networks: readonly { readonly folder: string; readonly name: string }[];
  readonly volumes: readonly { readonly folder: string; readonly name: string }[];
}

export function expectationOf(plan: DeploymentPlan, fingerprints: Fingerprints): Expectation {
  return {
    fingerprints,
    containers: plan.services.flatMap((s) => {
      const jobs = oneShotJobs(s.containers);
      return s.containers.map((c) => ({ folder: s.folder, name: c.name, inputsHash: c.inputsHash, mayStop: jobs.has(c.service) }));
    }),
    networks: plan.services.flatMap((s) => s.networks.map((n) => ({ folder: s.folder, name: n.name }))),
    volumes: plan.services.flatMap((s) => s.volumes.map((v) => ({ folder: s.folder, name: v.name }))),
  };
}

export function compareWithDeployed(expected: Expectation, state: DeployedState, docker: DockerView): Verdict {
  const unsettled = stateReasons(state);
  const reasons = [...unsettled, ...fingerprintReasons(expected.fingerprints, state.fingerprints)];
  const drift = driftReasons(expected, state, docker);
  if (reasons.length + drift.length === 0) return { upToDate: true };
  const onlyFolders = unsettled.length === 0 && drift.length === 0;
  return { upToDate: false, refresh: drift.length > 0, reasons: [...reasons, ...drift], unchanged: onlyFolders ? unchangedFolders(expected.fingerprints, state.fingerprints) : [] };
}

/**
 * The folders the engine may leave out (src/plan/leftOut.ts): those deployed as the checkout has them,
 * when, the state settled and Docker as deployed, only folders changed (the program, settings and commit the same).
 */
function unchangedFolders(expected: Fingerprints, deployed: Fingerprints | undefined): string[] {
  if (!deployed || deployed.stack !== expected.stack) return [];
  return Object.keys(expected.folders).filter((f) => deployed.folders[f] === expected.folders[f]).sort();
}

function stateReasons(state: DeployedState): string[] {
  const reasons: string[] = [];
  if (state.locks > 0) reasons.push("the stack is locked: an update is running, or one was killed mid-way");
  if (state.pendingOperations > 0) reasons.push(`an interrupted update left ${state.pendingOperations} operation(s) pending`);
  if (!state.lastUpdate) reasons.push("the state's history names no update");
  else if (state.lastUpdate.result !== "succeeded") reasons.push(`the last ${state.lastUpdate.kind} ${state.lastUpdate.result}`);
  return reasons;
}

function fingerprintReasons(expected: Fingerprints, deployed: Fingerprints | undefined): string[] {
  if (!deployed) return ["the last up recorded no fingerprints (never deployed, deployed by an older version of this program, or a targeted up: --target, --exclude)"];
  const reasons: string[] = [];
  if (deployed.stack !== expected.stack) reasons.push("the program, the stack's settings or the commit changed since the last up");
  const folders = [...new Set([...Object.keys(expected.folders), ...Object.keys(deployed.folders)])].sort();
  for (const f of folders) {
    if (deployed.folders[f] === undefined) reasons.push(`${f}: new service folder`);
    else if (expected.folders[f] === undefined) reasons.push(`${f}: no longer deployed`);
    else if (deployed.folders[f] !== expected.folders[f]) reasons.push(`${f}: changed`);
  }
  return reasons;
}

/**
 * What Docker runs that differs from what the state says (a change by hand): a refresh reads it back.
 * A container is compared with the inputs hash the state holds for it, not with the checkout's: in a
 * folder changed since the last up, the container deployed is expected to differ from the checkout.
 * What the state does not hold yet (new in a changed folder) is the engine's to create, not drift;
 * a network or volume of an unchanged folder is checked even when the state does not hold it (the
 * networks compose calls external are looked up by name, not declared).
 */
function driftReasons(expected: Expectation, state: DeployedState, docker: DockerView): string[] {
  const unchanged = (folder: string): boolean => state.fingerprints?.folders[folder] === expected.fingerprints.folders[folder];
  const reasons: string[] = [];
  for (const c of expected.containers) {
    const deployedHash = state.resources.containers.has(c.name) ? state.resources.containers.get(c.name) : unchanged(c.folder) ? c.inputsHash : null;
    if (deployedHash === null) continue;
    const running = docker.containers.get(c.name);
    if (!running) reasons.push(`${c.folder}: container ${c.name} is gone`);
    else if (running.labels[LABELS.inputs] !== deployedHash) reasons.push(`${c.folder}: container ${c.name} is not the one deployed (its ${LABELS.inputs} label differs)`);
    else if (running.state !== "running" && !c.mayStop) reasons.push(`${c.folder}: container ${c.name} is ${running.state}`);
    else if (!docker.imageIds.has(running.imageId)) reasons.push(`${c.folder}: the image of container ${c.name} is gone`);
  }
  const checked = (held: ReadonlySet<string>) => (o: { folder: string; name: string }): boolean => held.has(o.name) || unchanged(o.folder);
  for (const n of expected.networks.filter(checked(state.resources.networks))) if (!docker.networks.has(n.name)) reasons.push(`${n.folder}: network ${n.name} is gone`);
  for (const v of expected.volumes.filter(checked(state.resources.volumes))) if (!docker.volumes.has(v.name)) reasons.push(`${v.folder}: volume ${v.name} is gone`);
  return reasons;
}
