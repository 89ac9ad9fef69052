/**
 * A stack's state backend as the pulumi commands on it must see it: the URL (from the stack file's
 * `state.backend`, else PULUMI_BACKEND_URL, else the embedded `.pulumi-state/`), the environment
 * they run with, and what is wrong with it (prod on one laptop, missing keys).
 */
import * as path from "node:path";
import { error, Problem, warning } from "../problems";
import { StackSettings } from "../settings";
import { BackendLocation, isShared, parseBackendUrl, StateCredentials } from "./stateSettings";

/** The embedded default: a directory inside the clone (git-ignored). */
export const EMBEDDED_STATE_DIR = ".pulumi-state";

export interface StackBackend {
  readonly stack: string;
  readonly url: string;
  readonly location: BackendLocation;
  /** Where the URL came from, for messages. */
  readonly origin: "the stack file" | "PULUMI_BACKEND_URL" | "the embedded default";
  readonly credentials: StateCredentials;
  /** What every pulumi command on this stack runs with: PULUMI_BACKEND_URL and AWS_PROFILE, never a key. */
  readonly env: Readonly<Record<string, string>>;
  readonly problems: readonly Problem[];
}

type Lookup = (name: string) => string | undefined;

export function stackBackend(root: string, settings: StackSettings, environment: Lookup): StackBackend {
  const file = `Pulumi.${settings.stack}.yaml`;
  const { state } = settings;
  const fromEnv = environment("PULUMI_BACKEND_URL") || undefined;
  const url = state.backend ?? fromEnv ?? `file://${path.join(root, EMBEDDED_STATE_DIR)}`;
  const origin = state.backend ? "the stack file" : fromEnv ? "PULUMI_BACKEND_URL" : "the embedded default";
  const parsed = parseBackendUrl(url);
  const problems: Problem[] = [];
  // A URL from the stack file was checked when it was read; one from the environment is checked here.
  const location: BackendLocation = typeof parsed === "string" ? { kind: "service", url } : parsed;
  if (typeof parsed === "string") problems.push(error(file, `the state backend PULUMI_BACKEND_URL ${parsed}`));
  const env: Record<string, string> = { PULUMI_BACKEND_URL: url };
  if (state.credentials.from === "profile") env.AWS_PROFILE = state.credentials.profile;
  else if (location.kind === "s3" && (!environment("AWS_ACCESS_KEY_ID") || !environment("AWS_SECRET_ACCESS_KEY"))) {
    problems.push(error(file, `the state of ${settings.stack} is in ${url}, whose keys come from the environment (state.credentials: environment): export AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=… (the bucket's keys), or set state.credentials to profile:NAME`));
  }
  const local = localStateProblem(settings, url, location);
  if (local) problems.push(local);
  return { stack: settings.stack, url, location, origin, credentials: state.credentials, env, problems };
}

/**
 * Prod on a file backend: the state is on this laptop only, so another admin's `up` sees nothing
 * deployed and creates every container again, and a lost laptop loses the state. A warning, or an
 * error with `requireShared`.
 */
function localStateProblem(settings: StackSettings, url: string, location: BackendLocation): Problem | undefined {
  if (isShared(location) || (settings.kind !== "prod" && !settings.state.requireShared)) return undefined;
  const file = `Pulumi.${settings.stack}.yaml`;
  const risk = `the state of ${settings.stack} is in ${url}, on this machine only: another admin's pulumi up would not see what this one deployed and would create every container again, and the state is lost with this machine`;
  const fix = `set state.backend in ${file} to a shared backend and move the stack there (npm run state:move -- ${settings.stack}; README, "Shared state")`;
  return settings.state.requireShared ? error(file, `${risk} (state.requireShared is true); ${fix}`) : warning(file, `${risk}; ${fix}`);
}

/**
 * The stack file names a backend, but this pulumi runs on another one: it would deploy as if nothing
 * existed (duplicates) or change a stale copy. Only knowable when PULUMI_BACKEND_URL is set.
 */
export function backendMismatch(backend: StackBackend, running: string | undefined): Problem | undefined {
  if (backend.origin !== "the stack file" || !running || trimSlash(running) === trimSlash(backend.url)) return undefined;
  return error(`Pulumi.${backend.stack}.yaml`, `the state of ${backend.stack} lives in ${backend.url} (state.backend), but this pulumi runs with PULUMI_BACKEND_URL=${running}: run source scripts/setup.sh --stack ${backend.stack} (or eval "$(npm run --silent state:env -- ${backend.stack})"), then again`);
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

/** Shell lines that make the current shell use the stack's backend; no key is printed. */
export function exportLines(backend: StackBackend): string[] {
  const lines = Object.entries(backend.env).map(([k, v]) => `export ${k}=${shellQuote(v)}`);
  if (backend.location.kind === "s3" && backend.credentials.from === "environment") lines.push("# keys: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from this shell (state.credentials: environment)");
  return lines;
}

export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The backend as one line for status and messages. */
export function describeBackend(backend: StackBackend): string {
  return `state in ${backend.url} (${isShared(backend.location) ? "shared" : "on this machine only"}; from ${backend.origin})`;
}

/**
 * Pulumi's DIY lock is a plain object written then listed, and an S3 server may cut short the read
 * of an object being deleted (a lock released at that moment): the command fails with "unexpected
 * EOF" before touching anything. Such an operation is run again, a few times.
 */
export const TRUNCATED_READ = /unexpected EOF/;

export async function retryTruncatedReads<T>(operation: () => Promise<T>, onRetry: (attempt: number) => void = () => undefined, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (e) {
      if (attempt >= attempts || !TRUNCATED_READ.test(e instanceof Error ? e.message : String(e))) throw e;
      onRetry(attempt);
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  }
}
