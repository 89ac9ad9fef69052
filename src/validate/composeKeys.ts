import { SETTING_KEYS } from "./containerSettings";

/**
 * What the program does with each compose key. A key is mapped onto a Docker resource input,
 * ignored with a stated reason, or unsupported: an unsupported key stops the deployment, because
 * deploying something other than what `docker-compose up` would run is worse than not deploying.
 */
export type KeyTreatment = { readonly status: "mapped" } | { readonly status: "ignored"; readonly reason: string };

const mapped = { status: "mapped" } as const;
const ignored = (reason: string): KeyTreatment => ({ status: "ignored", reason });

export const TOP_LEVEL_KEYS: Record<string, KeyTreatment> = {
  version: ignored("obsolete in the compose specification"),
  name: mapped,
  services: mapped,
  networks: mapped,
  volumes: mapped,
  secrets: mapped,
};

export const SERVICE_KEYS: Record<string, KeyTreatment> = {
  // Settings the stack never changes: read and rendered by their entries in containerSettings.ts.
  ...Object.fromEntries(Object.keys(SETTING_KEYS).map((k) => [k, mapped])),
  // Read by composeProject.ts, changed by the stack's environment or resolved into other resources:
  image: mapped,
  build: mapped,
  container_name: mapped,
  environment: mapped,
  env_file: mapped,
  labels: mapped,
  ports: mapped,
  volumes: mapped,
  networks: mapped,
  network_mode: mapped,
  healthcheck: mapped,
  tmpfs: mapped,
  depends_on: mapped,
  secrets: mapped,
  expose: ignored("documentation only: containers sharing a network reach every port"),
  pull_policy: ignored("the program builds home-built images and pulls the others itself"),
  deploy: ignored("Swarm placement; use mem_limit for a memory limit"),
};

export const NETWORK_KEYS: Record<string, KeyTreatment> = {
  name: mapped,
  external: mapped,
  driver: mapped,
  driver_opts: mapped,
  internal: mapped,
  attachable: mapped,
  labels: mapped,
  enable_ipv6: mapped,
};

export const VOLUME_KEYS: Record<string, KeyTreatment> = {
  name: mapped,
  external: mapped,
  driver: mapped,
  driver_opts: mapped,
  labels: mapped,
};

export const SECRET_KEYS: Record<string, KeyTreatment> = {
  file: mapped,
  environment: mapped,
  name: ignored("secrets are delivered as files under /run/secrets/<key>; the name is only for Swarm"),
};

export const BUILD_KEYS: Record<string, KeyTreatment> = {
  context: mapped,
  dockerfile: mapped,
  args: mapped,
  target: mapped,
  labels: ignored("image labels come from the Dockerfile's LABEL lines"),
};
