import assert from "node:assert/strict";
import * as fs from "node:fs";
import { describe, it } from "node:test";
import { composeSupportMarkdown, DOC_FILE, providerFieldsOf } from "../../src/cli/composeSupport";
import { containerArgs } from "../../src/declare/serviceDeployment";
import { planDeployment } from "../../src/pipeline";
import { MemoryFiles } from "../../src/read/files";
import { readSettings } from "../../src/settings";
import * as keys from "../../src/validate/composeKeys";
import { readContainerSettings, SETTING_KEYS } from "../../src/validate/containerSettings";
import { composeSchema } from "../../src/validate/schema";
import { composeErrors } from "./composeErrors";

type Schema = { properties: Record<string, unknown>; definitions: Record<string, any> };
const schema = composeSchema() as unknown as Schema;

describe("the compose key tables", () => {
  it("classify every key of the compose-spec schema, at every level they cover", () => {
    const svc = schema.definitions.service.properties;
    const object = (oneOf: any[]): any => oneOf.find((x) => x.type === "object");
    const mount = object(svc.volumes.items.oneOf).properties;
    const attachment = object((Object.values(object(svc.networks.oneOf).patternProperties)[0] as any).oneOf);
    const levels: [string, string[], Record<string, unknown>][] = [
      ["top level", Object.keys(schema.properties), keys.TOP_LEVEL_KEYS],
      ["services", Object.keys(svc), keys.SERVICE_KEYS],
      ["build", Object.keys(svc.build.oneOf[1].properties), keys.BUILD_KEYS],
      ["healthcheck", Object.keys(schema.definitions.healthcheck.properties), keys.HEALTHCHECK_KEYS],
      ["ports", Object.keys(object(svc.ports.items.oneOf).properties), keys.PORT_KEYS],
      ["mounts", Object.keys(mount), keys.MOUNT_KEYS],
      ["bind mounts", Object.keys(mount.bind.properties), keys.BIND_MOUNT_KEYS],
      ["volume mounts", Object.keys(mount.volume.properties), keys.VOLUME_MOUNT_KEYS],
      ["tmpfs mounts", Object.keys(mount.tmpfs.properties), keys.TMPFS_MOUNT_KEYS],
      ["network attachments", Object.keys(attachment.properties), keys.NETWORK_ATTACHMENT_KEYS],
      ["service secrets", Object.keys(object(schema.definitions.service_config_or_secret.items.oneOf).properties), keys.SERVICE_SECRET_KEYS],
      ["env files", Object.keys(object(schema.definitions.env_file.oneOf.find((x: any) => x.type === "array").items.oneOf).properties), keys.ENV_FILE_KEYS],
      ["depends_on", Object.keys((Object.values(object(svc.depends_on.oneOf).patternProperties)[0] as any).properties), keys.DEPENDS_ON_KEYS],
      ["networks", Object.keys(schema.definitions.network.properties), keys.NETWORK_KEYS],
      ["volumes", Object.keys(schema.definitions.volume.properties), keys.VOLUME_KEYS],
      ["secrets", Object.keys(schema.definitions.secret.properties), keys.SECRET_KEYS],
    ];
    for (const [level, keys, table] of levels) {
      assert.deepEqual(keys.filter((k) => !(k in table)), [], `${level}: keys of the schema that no table classifies`);
      assert.deepEqual(Object.keys(table).filter((k) => !keys.includes(k)), [], `${level}: table entries the schema does not know`);
    }
  });

  it("are what docs/compose-support.md says (npm run docs:compose)", () => {
    assert.equal(fs.readFileSync(DOC_FILE, "utf8"), composeSupportMarkdown());
  });

  it("container settings: each entry reads only the fields it declares, and renders provider fields", () => {
    const samples: Record<string, unknown> = { command: "a b", entrypoint: ["a"], logging: { driver: "x", options: { a: "b" } }, restart: "on-failure:2", stop_grace_period: "1s", extra_hosts: ["a:1.1.1.1"], ulimits: { nofile: 1 }, devices: ["/dev/x"] };
    for (const [key, entry] of Object.entries(SETTING_KEYS)) {
      for (const value of [undefined, samples[key] ?? "1"]) {
        const read = entry.read(value);
        if ("error" in read) continue;
        assert.deepEqual(Object.keys(read).filter((f) => !entry.fields.includes(f as never)), [], `${key} reads undeclared fields`);
      }
      if (key !== "cap_drop") assert.ok(providerFieldsOf(key).length > 0, `${key} renders a provider field`);
    }
  });

  it("a sub-key is accounted for too: refused at its line, ignored with its reason", () => {
    const errors = composeErrors([
      "services:",
      "  web:",
      "    image: x/web:1",
      "    healthcheck: {test: [CMD, 'true'], start_interval: 1s}",
      "    ports: [{target: 80, published: 8080, mode: host}]",
      "    secrets: [{source: s, mode: 0400}]",
      "secrets:",
      "  s: {file: ./s.secret}",
      "",
    ].join("\n"));
    assert.deepEqual(errors, [
      "4:40: services.web.healthcheck: the key 'start_interval' is not supported: needs Docker 25 or newer; shorten interval instead",
      "6:27: services.web.secrets[0]: the key 'mode' is not supported: delivered secret files are readable by the container's processes; their mode is not set",
    ]);
  });

  it("a refused key is an error at its line with the reason", () => {
    const errors = composeErrors("services:\n  web:\n    image: x/web:1\n    pids_limit: 100\n    links: [db]\n");
    assert.deepEqual(errors, [
      "4:5: services.web: the key 'pids_limit' is not supported: the docker provider cannot set a PID limit",
      "5:5: services.web: the key 'links' is not supported: legacy links: services of one compose file reach each other by name on their networks",
    ]);
  });
});

describe("keys the docker provider honours reach the container", () => {
  const compose = [
    "services:",
    "  web:",
    "    image: x/web:1.0",
    "    cpus: 1.5",
    "    cpu_shares: 512",
    "    cpuset: '0,1'",
    "    mem_reservation: 64m",
    "    memswap_limit: -1",
    "    runtime: runc",
    "    devices: ['/dev/fuse', '/dev/null:/dev/mynull:r']",
    "    dns_search: [internal.example]",
    "    dns_opt: ['ndots:2']",
    "    pid: host",
    "    cgroup: private",
    "    storage_opt: {size: 1G}",
    "    tmpfs: ['/run:size=64m']",
    "    volumes: [{type: tmpfs, target: /cache, tmpfs: {size: 1048576, mode: 0o1777}}]",
    "    networks:",
    "      lan: {ipv6_address: 'fd00::5'}",
    "networks:",
    "  lan:",
    "    ipam:",
    "      config:",
    "        - subnet: 172.28.0.0/16",
    "          gateway: 172.28.0.1",
    "",
  ].join("\n");
  const settings = readSettings("prod", (k) => (k === "kind" ? "prod" : undefined)).settings!;
  const plan = planDeployment({ settings, view: new MemoryFiles({ "services/demo/docker-compose.yml": compose }), environment: () => undefined });

  it("plans them without errors", () => assert.deepEqual(plan.problems.filter((p) => p.severity === "error"), []));

  it("renders them onto the provider's Container arguments", () => {
    const args = containerArgs(plan.services[0].containers[0], "x/web:1.0", new Map([["lan", "demo_lan"]]), new Map());
    assert.equal(args.cpus, "1.5");
    assert.equal(args.cpuShares, 512);
    assert.equal(args.cpuSet, "0,1");
    assert.equal(args.memoryReservation, 64);
    assert.equal(args.memorySwap, -1);
    assert.equal(args.runtime, "runc");
    assert.deepEqual(args.devices, [{ hostPath: "/dev/fuse", containerPath: "/dev/fuse", permissions: undefined }, { hostPath: "/dev/null", containerPath: "/dev/mynull", permissions: "r" }]);
    assert.deepEqual(args.dnsSearches, ["internal.example"]);
    assert.deepEqual(args.dnsOpts, ["ndots:2"]);
    assert.equal(args.pidMode, "host");
    assert.equal(args.cgroupnsMode, "private");
    assert.deepEqual(args.storageOpts, { size: "1G" });
    assert.deepEqual(args.tmpfs, { "/run": "size=64m", "/cache": "size=1048576,mode=1777" });
    assert.deepEqual(args.networksAdvanced, [{ name: "demo_lan", aliases: ["web"], ipv4Address: undefined, ipv6Address: "fd00::5" }]);
  });

  it("a memory limit without memswap_limit states the swap Docker gives (twice the limit), so that no difference shows at every update", () => {
    const only = planDeployment({ settings, view: new MemoryFiles({ "services/demo/docker-compose.yml": "services:\n  web:\n    image: x/web:1.0\n    mem_limit: 64m\n" }), environment: () => undefined });
    const args = containerArgs(only.services[0].containers[0], "x/web:1.0", new Map(), new Map());
    assert.deepEqual([args.memory, args.memorySwap], [64, 128]);
  });

  it("maps a network's ipam", () => {
    assert.deepEqual(plan.services[0].networks.find((n) => n.key === "lan")?.ipam, { driver: undefined, options: undefined, configs: [{ subnet: "172.28.0.0/16", ipRange: undefined, gateway: "172.28.0.1", auxAddress: undefined }] });
  });

  it("leaves a container that uses none of them as it was (its inputs hash does not move)", () => {
    const { settings: read } = readContainerSettings({});
    for (const field of ["cpus", "devices", "dnsOpts", "storageOpts", "memorySwapMb"]) assert.equal((read as unknown as Record<string, unknown>)[field], undefined, field);
  });
});
