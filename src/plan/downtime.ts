import { ContainerRecord } from "../environment/record";
import { parseDuration } from "../validate/durations";

/**
 * How long a replaced container's service is down: the old one stops, the new one is created and
 * started, and it serves once its first healthcheck passes, one interval after the start (Docker's
 * first probe). Stopping is counted as one second: a process that ignores SIGTERM takes up to its
 * stop_grace_period more. Without a healthcheck nothing says when the service is ready.
 */
export function downtimeEstimate(c: ContainerRecord): string {
  if (!c.healthcheck || c.healthcheck.tests[0] === "NONE") return "down while it restarts; no healthcheck in its compose file says when it is ready";
  // 0s: the compose file left it out, Docker's default is 30 s.
  const interval = parseDuration(c.healthcheck.interval) || 30_000;
  return `≈${Math.ceil(interval / 1000) + 1} s down`;
}
