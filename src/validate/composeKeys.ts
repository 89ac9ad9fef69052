import { SETTING_KEYS } from "./containerSettings";

/**
 * What the program does with each compose key: mapped onto a Docker resource input, ignored with a
 * stated reason (check lists it), or refused with a stated reason (an error at the key's line: deploying
 * something other than what `docker compose up` would run is worse than not deploying). A key absent
 * from these tables is refused too; test/unit/composeKeys.test.ts fails when the compose-spec schema has
 * a service key that is not classified here, and docs/compose-support.md is generated from the tables.
 */
export type KeyTreatment =
  | { readonly status: "mapped" }
  | { readonly status: "ignored"; readonly reason: string }
  | { readonly status: "refused"; readonly reason: string };

const mapped = { status: "mapped" } as const;
const ignored = (reason: string): KeyTreatment => ({ status: "ignored", reason });
const refused = (reason: string): KeyTreatment => ({ status: "refused", reason });
const WINDOWS_ONLY = refused("Windows containers only");
const CLASSIC_BUILDER = refused("a BuildKit feature; images are built with the classic builder, which needs no BuildKit image (none can be pulled here)");
const NOT_IN_PROVIDER = (what: string): KeyTreatment => refused(`the docker provider cannot set ${what}`);

export const TOP_LEVEL_KEYS: Record<string, KeyTreatment> = {
  version: ignored("obsolete in the compose specification"),
  name: mapped,
  services: mapped,
  networks: mapped,
  volumes: mapped,
  secrets: mapped,
  include: refused("the program reads one compose file per folder: copy the included services in"),
  configs: refused("Swarm configs: mount the file from the service folder instead (volumes: ./file:/path)"),
  models: refused("AI model services need Docker Model Runner"),
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
  deploy: ignored("Swarm placement and limits are not applied (for limits use mem_limit, cpus and mem_reservation, which are); only deploy.update_config.order is read: how a replacement happens, start-first or stop-first"),
  pull_refresh_after: ignored("the program pulls images itself, by their pinned tag"),
  develop: ignored("compose watch, a development tool: nothing to deploy"),
  attach: ignored("log attachment of a foreground `docker compose up`: containers run detached"),
  annotations: NOT_IN_PROVIDER("annotations"),
  blkio_config: NOT_IN_PROVIDER("block-IO weights and limits"),
  configs: refused("Swarm configs: mount the file from the service folder instead (volumes: ./file:/path), it is delivered the same way"),
  cpu_count: WINDOWS_ONLY,
  cpu_percent: WINDOWS_ONLY,
  credential_spec: WINDOWS_ONLY,
  isolation: WINDOWS_ONLY,
  cpu_rt_period: NOT_IN_PROVIDER("real-time CPU scheduling"),
  cpu_rt_runtime: NOT_IN_PROVIDER("real-time CPU scheduling"),
  label_file: refused("labels from a file: write them under labels:"),
  extends: refused("extends: inline the extended service; the program reads one compose file per folder"),
  provider: refused("provider services run external tooling, not a container"),
  external_links: refused("legacy links to containers outside the project: join a shared network instead"),
  links: refused("legacy links: services of one compose file reach each other by name on their networks"),
  gpus: NOT_IN_PROVIDER("GPU device requests in compose's form"),
  ipc: refused("the docker provider reports a perpetual difference for the IPC mode (provider issue 1354)"),
  mac_address: NOT_IN_PROVIDER("a MAC address outside a network attachment"),
  mem_swappiness: NOT_IN_PROVIDER("memory swappiness"),
  models: refused("AI model services need Docker Model Runner"),
  oom_kill_disable: NOT_IN_PROVIDER("the OOM killer switch"),
  oom_score_adj: NOT_IN_PROVIDER("the OOM score"),
  pids_limit: NOT_IN_PROVIDER("a PID limit"),
  platform: refused("images are built and pulled for the engine's own platform"),
  post_start: refused("lifecycle hooks: run them from the entrypoint"),
  pre_stop: refused("lifecycle hooks: run them from the entrypoint"),
  profiles: refused("profiles select services at `up` time: every service of a folder is deployed; choose folders with the stack's `services` setting"),
  scale: refused("one container per service: container names are fixed"),
  use_api_socket: refused("gives the container the engine's socket and credentials: mount the socket explicitly if it must"),
  uts: NOT_IN_PROVIDER("the UTS namespace"),
  volumes_from: refused("mount the named volumes themselves"),
};

// Sub-keys of a service's keys.
export const HEALTHCHECK_KEYS: Record<string, KeyTreatment> = {
  test: mapped,
  interval: mapped,
  timeout: mapped,
  retries: mapped,
  start_period: mapped,
  disable: mapped,
  start_interval: refused("needs Docker 25 or newer; shorten interval instead"),
};

export const PORT_KEYS: Record<string, KeyTreatment> = {
  target: mapped,
  published: mapped,
  host_ip: mapped,
  protocol: mapped,
  mode: ignored("Swarm's routing mesh (ingress); a container publishes on its own host"),
  name: ignored("a name for people and tools; Docker does not use it"),
  app_protocol: ignored("a hint for tools; Docker does not use it"),
};

export const MOUNT_KEYS: Record<string, KeyTreatment> = {
  type: mapped,
  source: mapped,
  target: mapped,
  read_only: mapped,
  tmpfs: mapped,
  bind: mapped,
  volume: mapped,
  consistency: ignored("Docker Desktop for macOS only"),
  image: refused("image mounts need Docker 28 or newer"),
};

export const BIND_MOUNT_KEYS: Record<string, KeyTreatment> = {
  create_host_path: ignored("the engine creates a missing host path, as compose does by default"),
  propagation: NOT_IN_PROVIDER("bind propagation"),
  recursive: NOT_IN_PROVIDER("recursive read-only binds"),
  selinux: NOT_IN_PROVIDER("SELinux relabelling"),
};

export const VOLUME_MOUNT_KEYS: Record<string, KeyTreatment> = {
  nocopy: NOT_IN_PROVIDER("nocopy"),
  labels: NOT_IN_PROVIDER("labels of an anonymous volume"),
  subpath: NOT_IN_PROVIDER("a volume's subpath"),
};

export const TMPFS_MOUNT_KEYS: Record<string, KeyTreatment> = {
  size: mapped,
  mode: mapped,
};

export const NETWORK_ATTACHMENT_KEYS: Record<string, KeyTreatment> = {
  aliases: mapped,
  ipv4_address: mapped,
  ipv6_address: mapped,
  interface_name: NOT_IN_PROVIDER("the interface name"),
  link_local_ips: NOT_IN_PROVIDER("link-local addresses"),
  mac_address: NOT_IN_PROVIDER("a MAC address"),
  driver_opts: NOT_IN_PROVIDER("driver options of an attachment"),
  priority: NOT_IN_PROVIDER("the order networks are connected in"),
  gw_priority: NOT_IN_PROVIDER("the gateway priority"),
};

export const SERVICE_SECRET_KEYS: Record<string, KeyTreatment> = {
  source: mapped,
  target: mapped,
  uid: refused("delivered secret files belong to root: set the reading user's access in the image"),
  gid: refused("delivered secret files belong to root: set the reading user's access in the image"),
  mode: refused("delivered secret files are readable by the container's processes; their mode is not set"),
};

export const ENV_FILE_KEYS: Record<string, KeyTreatment> = {
  path: mapped,
  required: mapped,
  format: refused("env files are read with compose's dotenv rules only"),
};

export const DEPENDS_ON_KEYS: Record<string, KeyTreatment> = {
  condition: mapped,
  restart: ignored("compose restarts a dependent at `up` when its dependency is recreated; the program replaces exactly what changed"),
  required: refused("an optional dependency (required: false): remove the dependency, or keep the service"),
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
  ipam: mapped,
  enable_ipv4: NOT_IN_PROVIDER("an IPv6-only network"),
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
  external: refused("Swarm secrets: give a file such as ./secrets/<key>.secret"),
  labels: refused("Swarm secrets: give a file such as ./secrets/<key>.secret"),
  driver: refused("Swarm secrets: give a file such as ./secrets/<key>.secret"),
  driver_opts: refused("Swarm secrets: give a file such as ./secrets/<key>.secret"),
  template_driver: refused("Swarm secrets: give a file such as ./secrets/<key>.secret"),
};

export const BUILD_KEYS: Record<string, KeyTreatment> = {
  context: mapped,
  dockerfile: mapped,
  args: mapped,
  target: mapped,
  labels: ignored("image labels come from the Dockerfile's LABEL lines"),
  dockerfile_inline: refused("write the Dockerfile in the folder: its content is part of what is hashed and reviewed"),
  entitlements: CLASSIC_BUILDER,
  ssh: CLASSIC_BUILDER,
  cache_from: CLASSIC_BUILDER,
  cache_to: CLASSIC_BUILDER,
  additional_contexts: CLASSIC_BUILDER,
  secrets: CLASSIC_BUILDER,
  platforms: CLASSIC_BUILDER,
  no_cache: refused("builds are cached by the hash of their inputs; change an input to rebuild"),
  pull: refused("base images come from the engine's images (none can be pulled on an offline builder)"),
  network: refused("builds use the engine's default network"),
  shm_size: refused("the build's shared memory is the engine's default"),
  extra_hosts: refused("builds resolve names as the engine does"),
  isolation: WINDOWS_ONLY,
  privileged: CLASSIC_BUILDER,
  tags: refused("the image has one name: the service's image:"),
  ulimits: refused("builds use the engine's default limits"),
};
