import { ContainerRecord } from "../environment/record";
import { NO_HEALTHCHECK } from "../environment/replaceOrder";
import { parseDuration } from "../validate/durations";

/**
 * How a replaced container's service is affected, in words. Start-first: not down (the new container
 * is healthy and routed before the old one is taken out of Traefik and stopped). Stop-first: the old
 * one stops, the new one is created and started, and it serves once its first healthcheck passes, one
 * interval after the start (Docker's first probe). Stopping is counted as one second: a process that
 * ignores SIGTERM takes up to its stop_grace_period more. Without a healthcheck nothing says when the
 * service is ready. Each says which strategy and why.
 */
export function downtimeEstimate(c: ContainerRecord): string {
  const why = c.replace ? `${c.replace.order}: ${c.replace.why}` : "stop-first";
  if (c.replace?.order === "start-first") return `no downtime; ${why}`;
  if (!c.healthcheck || c.healthcheck.tests[0] === "NONE") return `down while it restarts${c.replace?.why === NO_HEALTHCHECK ? "" : " (no healthcheck says when it is ready)"}; ${why}`;
  // 0s: the compose file left it out, Docker's default is 30 s.
  const interval = parseDuration(c.healthcheck.interval) || 30_000;
  return `≈${Math.ceil(interval / 1000) + 1} s down; ${why}`;
}
