import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { composeErrors } from "./composeErrors";

/** One service `web` with the given extra lines (indented under it). */
const web = (...lines: string[]): string => {
  const image = lines.some((l) => l.startsWith("image:")) ? [] : ["    image: registry.picasoft.net/web:1.0.0"];
  return ["services:", "  web:", ...image, ...lines.map((l) => `    ${l}`), ""].join("\n");
};

describe("values Docker or compose would refuse at up, refused by check at their line", () => {
  const cases: [string, string[], RegExp][] = [
    ["an invalid container name", ["container_name: 'my web'"], /^4:21: services\.web\.container_name: 'my web' is not a valid container name/],
    ["an image with capitals in its repository", ["image: registry.picasoft.net/Web:1.0.0"], /^3:12: services\.web\.image: 'registry\.picasoft\.net\/Web:1\.0\.0' is not a valid image reference: the repository name must be lowercase/],
    ["a malformed image reference", ["image: 'registry.picasoft.net/web:1.0.0:2'"], /services\.web\.image: .* is not a valid image reference such as/],
    ["a relative working directory", ["working_dir: app"], /^4:18: services\.web\.working_dir: 'app' must be an absolute path/],
    ["a host port above 65535", ["ports: ['70000:80']"], /^4:13: services\.web\.ports\[0\]: '70000:80': port 70000 is out of range \(1-65535\)/],
    ["a container port 0", ["ports: ['8080:0']"], /services\.web\.ports\[0\]: '8080:0': the container port cannot be 0/],
    ["a long-syntax port out of range", ["ports:", "  - target: 99999", "    published: 8080"], /^5:9: services\.web\.ports\[0\]: target must be a port from 1 to 65535/],
    ["a relative mount target", ["volumes: ['./site:srv/www']"], /services\.web\.volumes\[0\]: '\.\/site:srv\/www': the path inside the container \('srv\/www'\) must be absolute/],
    ["a relative tmpfs", ["tmpfs: [run]"], /^4:13: services\.web\.tmpfs\[0\]: 'run' must be an absolute path inside the container/],
    ["negative healthcheck retries", ["healthcheck:", "  test: [CMD, 'true']", "  retries: -1"], /^6:16: services\.web\.healthcheck\.retries: -1 cannot be negative/],
    ["a memory limit below Docker's minimum", ["mem_limit: 4m"], /^4:16: services\.web\.mem_limit: '4m' is below Docker's minimum of 6 MiB/],
    ["a soft ulimit above the hard one", ["ulimits:", "  nofile: {soft: 2048, hard: 1024}"], /services\.web\.ulimits\.nofile: soft limit 2048 is above the hard limit 1024/],
    ["an extra host without an IP address", ["extra_hosts: ['db:not-an-ip']"], /services\.web\.extra_hosts\[0\]: 'not-an-ip' is not an IP address/],
    ["an extra host map with a bad address", ["extra_hosts: {db: 300.1.1.1}"], /services\.web\.extra_hosts\.db: '300\.1\.1\.1' is not an IP address/],
    ["a DNS server that is not an IP", ["dns: [dns.example]"], /services\.web\.dns\[0\]: 'dns\.example' is not an IP address/],
    ["a stop signal that is not one", ["stop_signal: stop please"], /services\.web\.stop_signal: 'stop please' is not a signal/],
  ];
  for (const [what, lines, expected] of cases) {
    it(what, () => {
      const errors = composeErrors(web(...lines));
      assert.equal(errors.length, 1, errors.join("\n"));
      assert.match(errors[0], expected);
    });
  }

  it("accepts what Docker accepts", () => {
    const ok = web(
      "container_name: pica-web.1_a",
      "working_dir: /srv",
      "ports: ['127.0.0.1:8080:80', '9000-9001:9000-9001/udp', '80']",
      "volumes: ['./site:/srv/www:ro', 'data:/data']",
      "tmpfs: /run",
      "mem_limit: 512m",
      "ulimits: {nofile: {soft: 1024, hard: 2048}, nproc: 65535}",
      "extra_hosts: ['db:10.0.0.2', 'v6:::1', 'gw:host-gateway']",
      "dns: [1.1.1.1]",
      "stop_signal: SIGQUIT",
      "healthcheck: {test: [CMD, 'true'], interval: 500ms, retries: 0}",
    ) + "volumes:\n  data:\n    name: pica-web_data\n";
    assert.deepEqual(composeErrors(ok), []);
  });

  it("accepts pinned references of every form", () => {
    for (const image of ["postgres:16.4-bookworm", "etherpad/etherpad:2.2.7", "localhost:5000/team/app:1", "ghcr.io/org/app@sha256:" + "a".repeat(64), "Registry.Example.org/app:1"]) {
      assert.deepEqual(composeErrors(web(`image: '${image}'`)), [], image);
    }
  });
});
