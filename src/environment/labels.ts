/** Labels every container carries, so `docker ps` tells where a container comes from. */
export const LABELS = {
  stack: "dockerfiles.stack",
  folder: "dockerfiles.folder",
  service: "dockerfiles.service",
  inputs: "dockerfiles.inputs",
} as const;
