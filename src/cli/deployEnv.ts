/**
 * What scripts/setup.sh and scripts/deploy.sh ask before they start Pulumi, answered without loading
 * the Pulumi SDK (scripts/deploy-env.cjs runs it bundled, in a few tenths of a second):
 *   env <stack>   the exports that make this shell's pulumi use the stack's state backend
 *   deployer      the update message deploy.sh gives `pulumi up` (who deploys)
 * `npm run state:env` is the same `env`.
 */
import { formatProblem } from "../problems";
import { stackConfigFromFile } from "../read/stackFile";
import { readSettings } from "../settings";
import { exportLines, stackBackend } from "../state/backend";
import { deployer, updateMessage } from "../state/deployer";

type Out = (line: string) => void;

export function deployEnv(argv: string[], root: string, out: Out, err: Out): number {
  const [command, ...args] = argv;
  if (command === "deployer" && args.length === 0) {
    out(updateMessage("deploy", deployer(root)));
    return 0;
  }
  if (command === "env" && args.length === 1) return stackEnv(root, args[0], out, err);
  err("usage: node scripts/deploy-env.cjs env <stack> | deployer");
  return 2;
}

/** Exports on stdout (for eval), what is wrong on stderr as shell comments. */
export function stackEnv(root: string, stackName: string, out: Out, err: Out): number {
  const { settings, problems } = readSettings(stackName, stackConfigFromFile(root, stackName));
  if (!settings) {
    for (const p of problems) err(`# ${formatProblem(p)}`);
    return 1;
  }
  const backend = stackBackend(root, settings, (n) => process.env[n]);
  for (const p of backend.problems) err(`# ${formatProblem(p)}`);
  for (const line of exportLines(backend)) out(line);
  return 0;
}
