import * as fs from "node:fs";
import * as path from "node:path";
import { deploymentFingerprints } from "../environment/fingerprint";
import { planDeployment } from "../pipeline";
import { hasErrors } from "../problems";
import { localSocket } from "../read/dockerEngine";
import { FINGERPRINT_KEY_FILE } from "../read/fingerprintKey";
import { programFiles, programVersion } from "../read/programVersion";
import { RecordingView } from "../read/recordedReads";
import { openServiceSource } from "../read/serviceSource";
import { prodStacksIn, stackConfigFromFile } from "../read/stackFile";
import { Expectation, expectationOf } from "../plan/upToDate";
import { readSettings } from "../settings";
import { stackBackend } from "../state/backend";

/**
 * The no-change check's full computation (src/cli/upToDate.ts): the stack's settings and the plan of
 * every service folder, as the program computes them, read through a recording view.
 */

/** What the checkout deploys and where: the stack's state directory and Docker's socket. */
export interface Expected {
  readonly directory: string;
  readonly socket: string;
  readonly expectation: Expectation;
}

/** What the checkout would deploy, as the program computes it; or why it cannot be known here. */
export async function computeExpected(root: string, stack: string, key: string, view: RecordingView): Promise<Expected | string> {
  const stackFile = `Pulumi.${stack}.yaml`;
  for (const f of view.list("").filter((n) => /^Pulumi\..*ya?ml$/.test(n))) view.note(f);
  view.note(FINGERPRINT_KEY_FILE);
  // The program itself: a kept computation holds for this version of it only.
  listDirectories(view, "src");
  for (const f of programFiles(root)) view.note(f);
  if (view.kind(stackFile) !== "file") return `no ${stackFile}`;
  if (/^\s*secure:/m.test(fs.readFileSync(path.join(root, stackFile), "utf8"))) return `${stackFile} holds encrypted values, which only the engine reads`;
  const { settings } = readSettings(stack, stackConfigFromFile(root, stack));
  if (!settings) return "the stack's settings have errors";
  if (settings.servicesRef) return "the stack deploys a git revision (servicesRef)";
  const env = view.lookup(process.env);
  const source = await openServiceSource(root, settings, { checkout: false });
  const plan = planDeployment({ settings, view, environment: env, buildRoot: source.buildRoot, prodStacks: prodStacksIn(root) });
  if (hasErrors(plan.problems)) return "the service folders have errors (the engine run reports them)";
  const backend = stackBackend(root, settings, env);
  if (backend.location.kind !== "file") return `the state is in ${backend.url}, not in a directory here`;
  const hosts = new Set([settings.dockerHost ?? env("DOCKER_HOST"), ...plan.services.map((s) => s.host ?? settings.dockerHost ?? env("DOCKER_HOST"))]);
  const sockets = new Set([...hosts].map(localSocket));
  if (sockets.has(undefined) || sockets.size !== 1) return `the services run on ${[...hosts].filter((h) => h).join(", ")}, not only on this machine's Docker`;
  const fingerprints = deploymentFingerprints({ plan, settings, program: programVersion(root), revision: source.revision?.sha }, key);
  return { directory: backend.location.directory, socket: [...sockets][0]!, expectation: expectationOf(plan, fingerprints) };
}

/** Lists (and so records) every directory below `dir`: a file added to the program counts too. */
function listDirectories(view: RecordingView, dir: string): void {
  for (const name of view.list(dir)) if (view.kind(`${dir}/${name}`) === "dir") listDirectories(view, `${dir}/${name}`);
}
