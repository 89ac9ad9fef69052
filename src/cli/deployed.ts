import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { DeploymentPlan } from "../environment/plan";
import { planDeployment } from "../pipeline";
import { openServiceSource } from "../read/serviceSource";
import { stackConfigFromFile } from "../read/stackFile";
import { readSettings, StackSettings } from "../settings";
import { explainPulumiError } from "./pulumiErrors";

/** What the stack's outputs say of one deployed service folder. */
export interface DeployedService {
  readonly revision?: string;
  readonly lastChange?: string;
  readonly containers?: Record<string, string>;
}

/** A stack as deployed: its settings (from its stack file), its outputs, and the plan of a revision. */
export interface DeployedStack {
  readonly settings: StackSettings;
  readonly services: Readonly<Record<string, DeployedService>>;
  /** The plan of the services at a git revision (read and planned once per revision). */
  planAt(revision: string): Promise<DeploymentPlan>;
}

/**
 * Opens a stack's record of what it deployed, for the commands that look at live machines (status,
 * restore). Returns why it cannot, in words for the user, instead.
 */
export async function openDeployed(root: string, stackName: string): Promise<DeployedStack | string> {
  let services: Record<string, DeployedService>;
  try {
    const stack = await LocalWorkspace.selectStack({ stackName, workDir: root });
    services = ((await stack.outputs()).services?.value ?? {}) as typeof services;
  } catch (e) {
    return explainPulumiError(e, stackName);
  }
  const { settings, problems } = readSettings(stackName, stackConfigFromFile(root, stackName));
  if (!settings) return problems.map((p) => p.message).join("; ");
  const plans = new Map<string, Promise<DeploymentPlan>>();
  return {
    settings,
    services,
    planAt(revision) {
      if (!plans.has(revision)) {
        const at = { ...settings, servicesRef: revision };
        plans.set(revision, openServiceSource(root, at, { checkout: false }).then((source) => planDeployment({ settings: at, view: source.view, environment: (n) => process.env[n] })));
      }
      return plans.get(revision)!;
    },
  };
}
