import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { planDeployment } from "../pipeline";
import { formatProblem, hasErrors, sortProblems } from "../problems";
import { WorkingTree } from "../read/files";
import { readSettings } from "../settings";
import { ServiceDeployment } from "./serviceDeployment";

export interface ServiceOutputs {
  readonly containers: Record<string, pulumi.Output<string>>;
  readonly images: Record<string, pulumi.Output<string>>;
}

/**
 * The Pulumi edge: reads the stack's config, runs the pure pipeline over the working tree, reports
 * every problem, and declares one ServiceDeployment per service folder. Nothing is declared when
 * any folder is invalid.
 */
export function deployServices(root: string = process.cwd()): Record<string, ServiceOutputs> {
  const project = pulumi.getProject();
  const stack = pulumi.getStack();
  // Raw reads: prod secrets are handled as plain strings in the pure stages and wrapped as Pulumi
  // secrets where they reach a resource (declare stage).
  const { settings, problems: settingsProblems } = readSettings(stack, (key) => pulumi.runtime.getConfig(`${project}:${key}`));
  if (!settings) fail(settingsProblems.map((p) => formatProblem(p, false)));

  const plan = planDeployment({ settings, view: new WorkingTree(root), environment: (name) => process.env[name] });
  for (const p of sortProblems(plan.problems)) {
    if (p.severity === "warning") pulumi.log.warn(formatProblem(p, false));
  }
  if (hasErrors(plan.problems)) {
    fail(sortProblems(plan.problems.filter((p) => p.severity === "error")).map((p) => formatProblem(p, false)));
  }

  const externalNetworks = new Map<string, docker.Network>();
  if (plan.createExternalNetworks) {
    // A machine without Traefik (a laptop, CI) has no `proxy` network: the test stack makes its own.
    for (const name of plan.externalNetworks) externalNetworks.set(name, new docker.Network(`external/${name}`, { name }));
  }

  const outputs: Record<string, ServiceOutputs> = {};
  for (const service of plan.services) {
    const deployment = new ServiceDeployment(service.folder, { plan: service, kind: plan.kind, registry: settings.registry, externalNetworks });
    for (const k of service.keys) {
      if (k.ignored.length > 0) pulumi.log.info(`${service.dir}: ${k.scope}: ignored ${k.ignored.map((i) => `${i.key} (${i.reason})`).join(", ")}`, deployment);
    }
    outputs[service.folder] = { containers: deployment.containers, images: deployment.images };
  }
  return outputs;
}

function fail(lines: string[]): never {
  for (const l of lines) pulumi.log.error(l);
  throw new pulumi.RunError(`${lines.length} problem(s) in the service folders; nothing was declared. Run 'npm run check' for the same list.`);
}
