import type * as docker from "@pulumi/docker";
import { parseDuration } from "./durations";
import { splitCommand } from "./shellWords";
import { isObj, listOrDict, sizeInMb, str, stringList, stringMap, toBool } from "./values";

/**
 * The settings of a container that the stack's environment never changes, as one model: read from
 * the compose file here, carried unchanged through the stages (rewritten on the test stack where
 * `test` says so), rendered to the docker provider's arguments here. A compose key of this kind is
 * written in one place: its entry below (plus its tests).
 *
 * Field names are the model's, stable: they enter the container's inputs hash.
 */
export interface ContainerSettings {
  readonly command?: readonly string[];
  readonly entrypoint?: readonly string[];
  readonly init?: boolean;
  readonly user?: string;
  readonly workingDir?: string;
  readonly hostname?: string;
  readonly domainname?: string;
  readonly hosts: readonly { readonly host: string; readonly ip: string }[];
  readonly capAdd: readonly string[];
  readonly capDrop: readonly string[];
  readonly logDriver?: string;
  readonly logOpts: Readonly<Record<string, string>>;
  readonly stopSignal?: string;
  readonly stopTimeout?: number;
  readonly privileged?: boolean;
  readonly readOnly?: boolean;
  readonly shmSizeMb?: number;
  readonly sysctls: Readonly<Record<string, string>>;
  readonly ulimits: readonly { readonly name: string; readonly soft: number; readonly hard: number }[];
  readonly dns: readonly string[];
  readonly memoryMb?: number;
  readonly securityOpts: readonly string[];
  readonly groupAdd: readonly string[];
  readonly tty?: boolean;
  readonly stdinOpen?: boolean;
  readonly restart: string;
  readonly maxRetryCount?: number;
  readonly cpus?: string;
  readonly cpuShares?: number;
  readonly cpuPeriod?: number;
  readonly cpuQuota?: number;
  readonly cpuSet?: string;
  readonly memoryReservationMb?: number;
  /** Memory plus swap, in MiB; -1 for unlimited swap. */
  readonly memorySwapMb?: number;
  readonly runtime?: string;
  readonly devices?: readonly { readonly hostPath: string; readonly containerPath?: string; readonly permissions?: string }[];
  readonly deviceCgroupRules?: readonly string[];
  readonly dnsOpts?: readonly string[];
  readonly dnsSearches?: readonly string[];
  readonly pidMode?: string;
  readonly usernsMode?: string;
  readonly cgroupParent?: string;
  readonly cgroupnsMode?: string;
  readonly storageOpts?: Readonly<Record<string, string>>;
}

/** On the test stack: strings rewritten to test names, only searched for production names, or neither. */
export type TestTreatment = "rewrite" | "scan" | "skip";

export interface SettingKey {
  /** The model fields it reads into. */
  readonly fields: readonly (keyof ContainerSettings)[];
  /** The compose value (undefined when absent) → model fields, or why Docker would refuse it (after `services.<name>.`). */
  readonly read: (raw: unknown) => Partial<ContainerSettings> | { readonly error: string };
  /** Model fields → the docker provider's Container arguments. */
  readonly render: (s: ContainerSettings) => Partial<docker.ContainerArgs>;
  readonly test: TestTreatment;
}

const nonEmpty = <T>(list: readonly T[]): T[] | undefined => (list.length === 0 ? undefined : [...list]);
const nonEmptyMap = (m: Readonly<Record<string, string>>): Record<string, string> | undefined => (Object.keys(m).length === 0 ? undefined : { ...m });
const optionalText = (v: unknown): string | undefined => (v === undefined ? undefined : str(v));
// Fields added after the first deployments are undefined when their key is absent, so that the
// inputs hash (and so the containers) of services that do not use them stays the same.
const optionalList = (v: unknown): readonly string[] | undefined => (v === undefined ? undefined : stringList(v));
const optionalNumber = (v: unknown): number | undefined => (v === undefined ? undefined : Number(v));
const words = (v: unknown): readonly string[] | undefined | null => (v === undefined || v === null ? undefined : typeof v === "string" ? splitCommand(v) : stringList(v));

export const SETTING_KEYS: Readonly<Record<string, SettingKey>> = {
  command: {
    fields: ["command"],
    read: (v) => { const c = words(v); return c === null ? { error: "command: unbalanced quotes" } : { command: c }; },
    render: (s) => ({ command: s.command ? [...s.command] : undefined }),
    test: "rewrite",
  },
  entrypoint: {
    fields: ["entrypoint"],
    read: (v) => { const c = words(v); return c === null ? { error: "entrypoint: unbalanced quotes" } : { entrypoint: c }; },
    render: (s) => ({ entrypoints: s.entrypoint ? [...s.entrypoint] : undefined }),
    test: "rewrite",
  },
  init: { fields: ["init"], read: (v) => ({ init: toBool(v) }), render: (s) => ({ init: s.init }), test: "skip" },
  user: { fields: ["user"], read: (v) => ({ user: optionalText(v) }), render: (s) => ({ user: s.user }), test: "scan" },
  working_dir: { fields: ["workingDir"], read: (v) => ({ workingDir: optionalText(v) }), render: (s) => ({ workingDir: s.workingDir }), test: "scan" },
  hostname: { fields: ["hostname"], read: (v) => ({ hostname: optionalText(v) }), render: (s) => ({ hostname: s.hostname }), test: "rewrite" },
  domainname: { fields: ["domainname"], read: (v) => ({ domainname: optionalText(v) }), render: (s) => ({ domainname: s.domainname }), test: "rewrite" },
  extra_hosts: {
    fields: ["hosts"],
    // `host:ip` or `host=ip` (compose v2), or a mapping.
    read: (v) => ({ hosts: listOrDict(v, Array.isArray(v) && v.some((h) => str(h).includes("=")) ? "=" : ":").map(([host, ip]) => ({ host, ip: ip ?? "" })) }),
    render: (s) => ({ hosts: nonEmpty(s.hosts.map((h) => ({ host: h.host, ip: h.ip }))) }),
    test: "rewrite",
  },
  cap_add: {
    fields: ["capAdd"],
    read: (v) => ({ capAdd: stringList(v) }),
    // Both lists are one provider argument; cap_drop's entry renders nothing.
    render: (s) => ({ capabilities: s.capAdd.length + s.capDrop.length === 0 ? undefined : { adds: [...s.capAdd], drops: [...s.capDrop] } }),
    test: "skip",
  },
  cap_drop: { fields: ["capDrop"], read: (v) => ({ capDrop: stringList(v) }), render: () => ({}), test: "skip" },
  logging: {
    fields: ["logDriver", "logOpts"],
    read: (v) => (isObj(v) ? { logDriver: optionalText(v.driver), logOpts: stringMap(v.options) } : { logOpts: {} }),
    render: (s) => ({ logDriver: s.logDriver, logOpts: nonEmptyMap(s.logOpts) }),
    test: "rewrite",
  },
  stop_signal: { fields: ["stopSignal"], read: (v) => ({ stopSignal: optionalText(v) }), render: (s) => ({ stopSignal: s.stopSignal }), test: "skip" },
  stop_grace_period: {
    fields: ["stopTimeout"],
    read: (v) => {
      if (v === undefined) return {};
      const ms = parseDuration(str(v));
      return ms === undefined ? { error: `stop_grace_period: '${str(v)}' is not a duration such as 10s or 1m30s` } : { stopTimeout: Math.ceil(ms / 1000) };
    },
    render: (s) => ({ stopTimeout: s.stopTimeout }),
    test: "skip",
  },
  privileged: { fields: ["privileged"], read: (v) => ({ privileged: toBool(v) }), render: (s) => ({ privileged: s.privileged }), test: "skip" },
  read_only: { fields: ["readOnly"], read: (v) => ({ readOnly: toBool(v) }), render: (s) => ({ readOnly: s.readOnly }), test: "skip" },
  shm_size: { fields: ["shmSizeMb"], read: (v) => ({ shmSizeMb: sizeInMb(v) }), render: (s) => ({ shmSize: s.shmSizeMb }), test: "skip" },
  sysctls: { fields: ["sysctls"], read: (v) => ({ sysctls: stringMap(v) }), render: (s) => ({ sysctls: nonEmptyMap(s.sysctls) }), test: "rewrite" },
  ulimits: {
    fields: ["ulimits"],
    read: (v) => ({ ulimits: isObj(v) ? Object.entries(v).map(([name, l]) => (isObj(l) ? { name, soft: Number(l.soft), hard: Number(l.hard) } : { name, soft: Number(l), hard: Number(l) })) : [] }),
    render: (s) => ({ ulimits: nonEmpty(s.ulimits.map((u) => ({ ...u }))) }),
    test: "skip",
  },
  dns: { fields: ["dns"], read: (v) => ({ dns: stringList(v) }), render: (s) => ({ dns: nonEmpty(s.dns) }), test: "scan" },
  mem_limit: { fields: ["memoryMb"], read: (v) => ({ memoryMb: sizeInMb(v) }), render: (s) => ({ memory: s.memoryMb }), test: "skip" },
  security_opt: { fields: ["securityOpts"], read: (v) => ({ securityOpts: stringList(v) }), render: (s) => ({ securityOpts: nonEmpty(s.securityOpts) }), test: "scan" },
  group_add: { fields: ["groupAdd"], read: (v) => ({ groupAdd: stringList(v) }), render: (s) => ({ groupAdds: nonEmpty(s.groupAdd) }), test: "skip" },
  tty: { fields: ["tty"], read: (v) => ({ tty: toBool(v) }), render: (s) => ({ tty: s.tty }), test: "skip" },
  stdin_open: { fields: ["stdinOpen"], read: (v) => ({ stdinOpen: toBool(v) }), render: (s) => ({ stdinOpen: s.stdinOpen }), test: "skip" },
  restart: {
    fields: ["restart", "maxRetryCount"],
    read: (v) => {
      if (v === undefined) return { restart: "no" };
      const m = /^(no|always|unless-stopped|on-failure)(?::(\d+))?$/.exec(str(v));
      return m ? { restart: m[1], maxRetryCount: m[2] === undefined ? undefined : Number(m[2]) } : { error: `restart must be no, always, unless-stopped or on-failure[:N], not '${str(v)}'` };
    },
    render: (s) => ({ restart: s.restart, maxRetryCount: s.maxRetryCount }),
    test: "skip",
  },
  cpus: { fields: ["cpus"], read: (v) => ({ cpus: optionalText(v) }), render: (s) => ({ cpus: s.cpus }), test: "skip" },
  cpu_shares: { fields: ["cpuShares"], read: (v) => ({ cpuShares: optionalNumber(v) }), render: (s) => ({ cpuShares: s.cpuShares }), test: "skip" },
  cpu_period: { fields: ["cpuPeriod"], read: (v) => ({ cpuPeriod: optionalNumber(v) }), render: (s) => ({ cpuPeriod: s.cpuPeriod }), test: "skip" },
  cpu_quota: { fields: ["cpuQuota"], read: (v) => ({ cpuQuota: optionalNumber(v) }), render: (s) => ({ cpuQuota: s.cpuQuota }), test: "skip" },
  cpuset: { fields: ["cpuSet"], read: (v) => ({ cpuSet: optionalText(v) }), render: (s) => ({ cpuSet: s.cpuSet }), test: "skip" },
  mem_reservation: { fields: ["memoryReservationMb"], read: (v) => ({ memoryReservationMb: sizeInMb(v) }), render: (s) => ({ memoryReservation: s.memoryReservationMb }), test: "skip" },
  memswap_limit: {
    fields: ["memorySwapMb"],
    read: (v) => ({ memorySwapMb: v === undefined ? undefined : str(v) === "-1" ? -1 : sizeInMb(v) }),
    // Without memswap_limit, Docker gives a memory-limited container as much swap again (and reports
    // it): saying so keeps the provider from seeing a difference at every update.
    render: (s) => ({ memorySwap: s.memorySwapMb ?? (s.memoryMb === undefined ? undefined : 2 * s.memoryMb) }),
    test: "skip",
  },
  runtime: { fields: ["runtime"], read: (v) => ({ runtime: optionalText(v) }), render: (s) => ({ runtime: s.runtime }), test: "skip" },
  devices: {
    fields: ["devices"],
    // `/dev/x`, `/dev/x:/dev/y[:rwm]`, or {source, target, permissions}.
    read: (v) => ({
      devices: v === undefined ? undefined : (Array.isArray(v) ? v : []).map((d) => {
        if (isObj(d)) return { hostPath: str(d.source), containerPath: optionalText(d.target), permissions: optionalText(d.permissions) };
        const [hostPath, containerPath, permissions] = str(d).split(":");
        return { hostPath, containerPath: containerPath ?? hostPath, permissions };
      }),
    }),
    render: (s) => ({ devices: s.devices?.map((d) => ({ ...d })) }),
    test: "scan",
  },
  device_cgroup_rules: { fields: ["deviceCgroupRules"], read: (v) => ({ deviceCgroupRules: optionalList(v) }), render: (s) => ({ deviceCgroupRules: s.deviceCgroupRules && [...s.deviceCgroupRules] }), test: "skip" },
  dns_opt: { fields: ["dnsOpts"], read: (v) => ({ dnsOpts: optionalList(v) }), render: (s) => ({ dnsOpts: s.dnsOpts && [...s.dnsOpts] }), test: "rewrite" },
  dns_search: { fields: ["dnsSearches"], read: (v) => ({ dnsSearches: optionalList(v) }), render: (s) => ({ dnsSearches: s.dnsSearches && [...s.dnsSearches] }), test: "rewrite" },
  pid: { fields: ["pidMode"], read: (v) => ({ pidMode: optionalText(v) }), render: (s) => ({ pidMode: s.pidMode }), test: "skip" },
  userns_mode: { fields: ["usernsMode"], read: (v) => ({ usernsMode: optionalText(v) }), render: (s) => ({ usernsMode: s.usernsMode }), test: "skip" },
  cgroup_parent: { fields: ["cgroupParent"], read: (v) => ({ cgroupParent: optionalText(v) }), render: (s) => ({ cgroupParent: s.cgroupParent }), test: "skip" },
  cgroup: { fields: ["cgroupnsMode"], read: (v) => ({ cgroupnsMode: optionalText(v) }), render: (s) => ({ cgroupnsMode: s.cgroupnsMode }), test: "skip" },
  storage_opt: { fields: ["storageOpts"], read: (v) => ({ storageOpts: v === undefined ? undefined : stringMap(v) }), render: (s) => ({ storageOpts: s.storageOpts && { ...s.storageOpts } }), test: "skip" },
};

/** Every setting of a compose service, with the problems of those Docker would refuse (by compose key). */
export function readContainerSettings(service: Record<string, unknown>): { settings: ContainerSettings; problems: { key: string; message: string }[] } {
  const settings: Record<string, unknown> = {};
  const problems: { key: string; message: string }[] = [];
  for (const [key, entry] of Object.entries(SETTING_KEYS)) {
    const read = entry.read(service[key]);
    if ("error" in read) problems.push({ key, message: String(read.error) });
    else Object.assign(settings, read);
  }
  return { settings: settings as unknown as ContainerSettings, problems };
}

/** The docker provider's arguments for the settings. */
export function renderContainerSettings(s: ContainerSettings): Partial<docker.ContainerArgs> {
  return Object.assign({}, ...Object.values(SETTING_KEYS).map((entry) => entry.render(s))) as Partial<docker.ContainerArgs>;
}
