import * as http from "node:http";

/**
 * What the local Docker engine runs, read in one round of its API over its unix socket (what
 * `docker ps -a`, `docker images`, `docker network ls` and `docker volume ls` show), for the
 * no-change check: four requests instead of an engine run.
 */
export interface DockerView {
  /** By container name (without the leading slash). */
  readonly containers: ReadonlyMap<string, { readonly labels: Readonly<Record<string, string>>; readonly state: string; readonly imageId: string }>;
  readonly imageIds: ReadonlySet<string>;
  readonly networks: ReadonlySet<string>;
  readonly volumes: ReadonlySet<string>;
}

/** The engine's unix socket when the stack's Docker is local; undefined for ssh:// or tcp:// hosts. */
export function localSocket(host: string | undefined): string | undefined {
  if (host === undefined || host === "") return "/var/run/docker.sock";
  return host.startsWith("unix://") ? host.slice("unix://".length) : undefined;
}

function get(socketPath: string, path: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = http.get({ socketPath, path, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        if (res.statusCode !== 200) reject(new Error(`Docker answered ${res.statusCode} to GET ${path}: ${body.slice(0, 200)}`));
        else resolve(JSON.parse(body));
      });
    });
    req.on("timeout", () => req.destroy(new Error(`Docker did not answer GET ${path} within 5 s`)));
    req.on("error", reject);
  });
}

export async function readDockerEngine(socketPath: string): Promise<DockerView> {
  const [containers, images, networks, volumes] = await Promise.all([
    get(socketPath, "/containers/json?all=1") as Promise<{ Names: string[]; Labels: Record<string, string> | null; State: string; ImageID: string }[]>,
    get(socketPath, "/images/json") as Promise<{ Id: string }[]>,
    get(socketPath, "/networks") as Promise<{ Name: string }[]>,
    get(socketPath, "/volumes") as Promise<{ Volumes: { Name: string }[] | null }>,
  ]);
  const byName = new Map<string, { labels: Record<string, string>; state: string; imageId: string }>();
  for (const c of containers) for (const n of c.Names) byName.set(n.replace(/^\//, ""), { labels: c.Labels ?? {}, state: c.State, imageId: c.ImageID });
  return {
    containers: byName,
    imageIds: new Set(images.map((i) => i.Id)),
    networks: new Set(networks.map((n) => n.Name)),
    volumes: new Set((volumes.Volumes ?? []).map((v) => v.Name)),
  };
}
