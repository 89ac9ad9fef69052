import type { ComposePath } from "./composeDocument";
import type { Mount, PortMapping } from "./composeProject";
import { isObj, str, toBool } from "./values";

/** Compose port forms: `80`, `8080:80`, `127.0.0.1:8080:80/udp`, ranges, and the long syntax. */
export function parsePort(p: unknown): PortMapping[] | string {
  if (isObj(p)) {
    const target = Number(p.target);
    const published = p.published === undefined ? undefined : Number(p.published);
    if (!Number.isInteger(target) || (published !== undefined && !Number.isInteger(published))) return "target and published must be port numbers";
    if (target < 1 || target > 65535 || (published !== undefined && (published < 0 || published > 65535))) return "target must be a port from 1 to 65535, published from 0 to 65535";
    return [{ target, published, hostIp: p.host_ip === undefined ? undefined : str(p.host_ip), protocol: (str(p.protocol) || "tcp") as "tcp" }];
  }
  let s = str(p);
  let protocol: PortMapping["protocol"] = "tcp";
  const slash = s.lastIndexOf("/");
  if (slash !== -1) {
    const proto = s.slice(slash + 1);
    if (proto !== "tcp" && proto !== "udp" && proto !== "sctp") return `unknown protocol '${proto}'`;
    protocol = proto;
    s = s.slice(0, slash);
  }
  const parts = s.split(":");
  const containerPart = parts.pop()!;
  const publishedPart = parts.length > 0 ? parts.pop()! : "";
  const hostIp = parts.length > 0 ? parts.join(":").replace(/^\[|\]$/g, "") : undefined;
  const range = (r: string): [number, number] | undefined => {
    const m = /^(\d+)(?:-(\d+))?$/.exec(r);
    if (!m) return undefined;
    return [Number(m[1]), Number(m[2] ?? m[1])];
  };
  const targets = range(containerPart);
  if (!targets) return `'${str(p)}' is not a port mapping such as 8080:80 or 127.0.0.1:8080:80/tcp`;
  const published = publishedPart === "" ? undefined : range(publishedPart);
  if (publishedPart !== "" && !published) return `'${str(p)}' is not a port mapping such as 8080:80 or 127.0.0.1:8080:80/tcp`;
  const outOfRange = [...targets, ...(published ?? [])].find((n) => n > 65535);
  if (outOfRange !== undefined) return `'${str(p)}': port ${outOfRange} is out of range (1-65535)`;
  if (targets[0] === 0) return `'${str(p)}': the container port cannot be 0`;
  if (targets[1] < targets[0] || (published && published[1] < published[0])) return `'${str(p)}': a port range must go upwards`;
  const count = targets[1] - targets[0] + 1;
  // Docker refuses `8080:80-81` (one host port for a container range) like ranges of different sizes.
  if (published && published[1] - published[0] + 1 !== count) return `'${str(p)}': the published and container ranges differ in size`;
  const out: PortMapping[] = [];
  for (let i = 0; i < count; i++) {
    out.push({ target: targets[0] + i, published: published ? published[0] + i : undefined, hostIp, protocol });
  }
  return out;
}

export function parseMount(v: unknown, path: ComposePath, inFolder: (p: string) => string): Mount | string {
  const isPath = (src: string): boolean => src.startsWith(".") || src.startsWith("/") || src.startsWith("~");
  const bind = (source: string, target: string, readOnly: boolean): Mount | string => {
    if (source.startsWith("~")) return `'${source}': a home-relative path differs between machines; use a path inside the service folder or an absolute path`;
    const relative = !source.startsWith("/");
    return { type: "bind", source: relative ? inFolder(source) : source, target, readOnly, path, inFolder: relative };
  };
  if (isObj(v)) {
    const type = str(v.type);
    const target = str(v.target);
    if (!target.startsWith("/")) return `target '${target}' must be an absolute path inside the container`;
    const readOnly = toBool(v.read_only) ?? false;
    if (type === "volume") return { type: "volume", source: v.source === undefined ? undefined : str(v.source), target, readOnly, path };
    if (type === "bind") return bind(str(v.source), target, readOnly);
    if (type === "tmpfs") {
      const t = isObj(v.tmpfs) ? v.tmpfs : {};
      const options = [t.size === undefined ? "" : `size=${str(t.size)}`, t.mode === undefined ? "" : `mode=${Number(t.mode).toString(8)}`].filter((o) => o !== "").join(",");
      return { type: "tmpfs", target, readOnly, path, options: options || undefined };
    }
    return `volume type '${type}' is not supported (volume, bind and tmpfs are)`;
  }
  const parts = str(v).split(":");
  const [source, target, mode = ""] = parts.length === 1 ? ["", parts[0]] : parts;
  if (!target.startsWith("/")) return `'${str(v)}': the path inside the container ('${target}') must be absolute`;
  if (parts.length === 1) return { type: "volume", target, readOnly: false, path };
  if (parts.length > 3) return `'${str(v)}' is not SOURCE:TARGET[:MODE]`;
  const modes = mode.split(",").filter((m) => m !== "");
  const unknownMode = modes.find((m) => !["ro", "rw", "z", "Z", "nocopy", "cached", "delegated", "consistent"].includes(m));
  if (unknownMode) return `unknown mount mode '${unknownMode}'`;
  const readOnly = modes.includes("ro");
  return isPath(source) ? bind(source, target, readOnly) : { type: "volume", source, target, readOnly, path };
}
