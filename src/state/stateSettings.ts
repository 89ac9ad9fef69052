/**
 * The stack file's `state` setting: where a stack's Pulumi state lives and where the credentials of
 * that place come from (never the credentials themselves). Pure: parsing and checking only.
 */

/** Where the keys of a shared backend come from. */
export type StateCredentials = { readonly from: "environment" } | { readonly from: "profile"; readonly profile: string };

export interface StateSettings {
  /** The backend URL; undefined: PULUMI_BACKEND_URL when set, else the embedded `.pulumi-state/`. */
  readonly backend?: string;
  readonly credentials: StateCredentials;
  /** Refuse the stack on a backend that lives on one machine (file://) instead of warning. */
  readonly requireShared: boolean;
}

export const DEFAULT_STATE: StateSettings = { credentials: { from: "environment" }, requireShared: false };

/** Where a backend URL points, as far as this project needs to know. */
export type BackendLocation =
  | { readonly kind: "file"; readonly directory: string }
  | { readonly kind: "s3"; readonly bucket: string; readonly prefix: string; readonly endpoint?: string; readonly region?: string; readonly pathStyle: boolean }
  /** Another object store Pulumi speaks to (gs://, azblob://): shared, locks not read by this project. */
  | { readonly kind: "bucket"; readonly url: string }
  /** Pulumi Cloud or a self-hosted equivalent (https://…): shared, with its own locking and history. */
  | { readonly kind: "service"; readonly url: string };

export const STATE_SHAPE =
  "{backend: a URL such as s3://BUCKET?endpoint=http://HOST:PORT&use_path_style=true&region=REGION, credentials: environment or profile:NAME, requireShared: true or false}";

/** The `state` value of a stack file (already JSON-decoded), with what is wrong with it. */
export function readStateSettings(raw: unknown): { state: StateSettings; problems: string[] } {
  if (raw === undefined || raw === null) return { state: DEFAULT_STATE, problems: [] };
  if (typeof raw !== "object" || Array.isArray(raw)) return { state: DEFAULT_STATE, problems: [`config key 'state' must be ${STATE_SHAPE}`] };
  const given = raw as Record<string, unknown>;
  const problems: string[] = [];
  const unknown = Object.keys(given).filter((k) => !["backend", "credentials", "requireShared"].includes(k));
  if (unknown.length > 0) problems.push(`config key 'state' has no ${unknown.map((k) => `'${k}'`).join(", ")}; it is ${STATE_SHAPE}`);
  let backend: string | undefined;
  if (given.backend !== undefined) {
    const where = typeof given.backend === "string" ? parseBackendUrl(given.backend) : "must be a URL";
    if (typeof where === "string") problems.push(`config key 'state.backend' ${where}`);
    else backend = given.backend as string;
  }
  const credentials = readCredentials(given.credentials);
  if (typeof credentials === "string") problems.push(credentials);
  const requireShared = given.requireShared ?? false;
  if (typeof requireShared !== "boolean") problems.push(`config key 'state.requireShared' must be true or false, not ${JSON.stringify(requireShared)}`);
  return {
    state: { backend, credentials: typeof credentials === "string" ? DEFAULT_STATE.credentials : credentials, requireShared: requireShared === true },
    problems,
  };
}

function readCredentials(raw: unknown): StateCredentials | string {
  if (raw === undefined || raw === "environment") return { from: "environment" };
  const profile = typeof raw === "string" ? /^profile:([A-Za-z0-9_.-]+)$/.exec(raw)?.[1] : undefined;
  if (profile) return { from: "profile", profile };
  return `config key 'state.credentials' must be 'environment' (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY of the deploying shell) or 'profile:NAME' (a profile of ~/.aws/credentials), not ${JSON.stringify(raw)}; the keys themselves never go in the stack file`;
}

/**
 * What a backend URL points to, or why Pulumi could not use it (a sentence completing "the URL …").
 * Checked here because Pulumi's own errors come late and say little: an S3 endpoint without its
 * scheme is spoken to in HTTPS ("server gave HTTP response to HTTPS client").
 */
export function parseBackendUrl(url: string): BackendLocation | string {
  if (url.startsWith("file://")) {
    const directory = url.slice("file://".length);
    return directory === "" ? "must name a directory: file:///absolute/path" : { kind: "file", directory };
  }
  if (/^(gs|azblob):\/\/./.test(url)) return { kind: "bucket", url };
  if (/^https?:\/\/./.test(url)) return { kind: "service", url };
  if (!url.startsWith("s3://")) return `'${url}' is not a state backend Pulumi knows: use s3://…, gs://…, azblob://…, file:///… or a Pulumi Cloud URL (https://…)`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `'${url}' is not a URL`;
  }
  const bucket = parsed.host;
  if (bucket === "") return `'${url}' names no bucket: s3://BUCKET?…`;
  const params = parsed.searchParams;
  const endpoint = params.get("endpoint") ?? undefined;
  if (endpoint !== undefined && !/^https?:\/\/./.test(endpoint)) {
    return `has the endpoint '${endpoint}' without its scheme: write endpoint=http://${endpoint} (or https://); without it the client speaks HTTPS`;
  }
  return {
    kind: "s3",
    bucket,
    prefix: decodeURIComponent(parsed.pathname.replace(/^\/+/, "")),
    endpoint,
    region: params.get("region") ?? undefined,
    pathStyle: params.get("use_path_style") === "true",
  };
}

/** A file backend lives on the machine that runs pulumi: its state is nobody else's. */
export function isShared(location: BackendLocation): boolean {
  return location.kind !== "file";
}
