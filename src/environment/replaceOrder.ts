import { error, Problem } from "../problems";
import type { ComposeProject, ServiceDefinition } from "../validate/composeProject";
import type { ContainerPlan, ReplaceStrategy } from "./plan";

/**
 * How a container is replaced, and why: compose's `deploy.update_config.order`, decided per container.
 * - start-first: the new container starts, becomes healthy, Traefik routes to it, then the old one is
 *   taken out of Traefik and stopped. No request is lost. Only for what can safely run twice for a few
 *   seconds: routed by Traefik (label traefik.enable=true or traefik.* labels), a healthcheck that says
 *   when the new one is ready, and nothing two processes must not share.
 * - stop-first: the old one stops, then the new one starts (compose's default). Always for a service
 *   that writes a named volume or a host directory (two database processes on one data directory is
 *   the worst this tool could cause), publishes a host port (two cannot hold it), has a fixed address
 *   or network_mode, or is a one-shot job.
 * An explicit `start-first` on a service that must not overlap is an error at its line; an explicit
 * `stop-first` is always honoured.
 */
export function replaceStrategy(c: Omit<ContainerPlan, "inputsHash" | "replace">, svc: ServiceDefinition, project: ComposeProject, job: boolean, problems: Problem[]): ReplaceStrategy {
  const asked = svc.updateOrder;
  const forbidden = mustNotOverlap(c, job);
  if (asked?.order === "stop-first") return { order: "stop-first", why: "deploy.update_config.order: stop-first in its compose file" };
  if (forbidden) {
    if (asked?.order === "start-first") {
      problems.push(error(project.document.file, `services.${svc.name}.deploy.update_config.order: start-first is refused: this service ${forbidden}, and the old and new containers would run together; use stop-first or remove the key`, project.document.locate(asked.path)));
    }
    return { order: "stop-first", why: `it ${forbidden}` };
  }
  const noHealthcheck = !c.healthcheck || c.healthcheck.tests[0] === "NONE";
  if (noHealthcheck) {
    if (asked?.order === "start-first") {
      problems.push(error(project.document.file, `services.${svc.name}.deploy.update_config.order: start-first needs a healthcheck, which says when the new container is ready; add one`, project.document.locate(asked.path)));
    }
    return { order: "stop-first", why: NO_HEALTHCHECK };
  }
  if (asked?.order === "start-first") return { order: "start-first", why: "deploy.update_config.order: start-first in its compose file" };
  if (!routedByTraefik(c.labels)) return { order: "stop-first", why: "it is not routed by Traefik (no traefik.* label)" };
  return { order: "start-first", why: "routed by Traefik, with a healthcheck, no data volume and no host port" };
}

/** The reason of a stop-first for want of a healthcheck (the plan does not say it twice). */
export const NO_HEALTHCHECK = "it has no healthcheck to say when a new container is ready";

/** What makes two containers of this service unsafe to run together, in words; undefined when nothing does. */
function mustNotOverlap(c: Omit<ContainerPlan, "inputsHash" | "replace">, job: boolean): string | undefined {
  if (job) return "is a one-shot job others wait for";
  const volume = c.mounts.find((m) => m.volume && !m.readOnly);
  if (volume?.volume) return `writes the named volume ${volume.volume.name}`;
  const host = c.mounts.find((m) => m.hostPath !== undefined && !m.readOnly);
  if (host) return `writes the host directory ${host.hostPath}`;
  const port = c.ports.find((p) => p.external !== undefined);
  if (port) return `publishes the host port ${port.external}`;
  if (c.networkMode !== undefined) return `uses network_mode: ${c.networkMode}`;
  const fixed = c.networks.find((n) => n.ipv4Address || n.ipv6Address);
  if (fixed) return `has a fixed address on ${fixed.name}`;
  return undefined;
}

/** Traefik's docker provider routes a container that enables it, or that has router labels (exposedByDefault). */
export function routedByTraefik(labels: Readonly<Record<string, string>>): boolean {
  if (labels["traefik.enable"] !== undefined) return labels["traefik.enable"] === "true";
  return Object.keys(labels).some((k) => k.startsWith("traefik.http.") || k.startsWith("traefik.tcp."));
}

/** A start-first container also answers to its container name as an alias, so that its old one keeps that name's DNS while it is renamed and drained. */
export function withNameAlias<C extends Omit<ContainerPlan, "inputsHash" | "replace">>(c: C, strategy: ReplaceStrategy): C {
  if (strategy.order !== "start-first") return c;
  return { ...c, networks: c.networks.map((n) => (n.aliases.includes(c.name) ? n : { ...n, aliases: [...n.aliases, c.name] })) };
}
