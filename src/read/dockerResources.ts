import { LABELS } from "../environment/labels";

/**
 * The docker provider's resources as a Pulumi state holds them (a checkpoint, or `pulumi stack
 * export`): their type tokens, by the kind of Docker object each makes, and a container's inputs hash
 * in its `labels` list. Plain data: read without the SDK (the no-change check, recovery).
 */
export const DOCKER_TYPES = {
  container: "docker:index/container:Container",
  network: "docker:index/network:Network",
  volume: "docker:index/volume:Volume",
} as const;
export type DockerKind = keyof typeof DOCKER_TYPES;

/** The kind of Docker object a resource type makes; undefined for any other type. */
export function dockerKindOf(type: string): DockerKind | undefined {
  return (Object.keys(DOCKER_TYPES) as DockerKind[]).find((k) => DOCKER_TYPES[k] === type);
}

/** The `dockerfiles.inputs` value in a container's labels (the provider's `{label, value}` list), if any. */
export function inputsHashOf(labels: unknown): string | undefined {
  const list = Array.isArray(labels) ? (labels as { label?: unknown; value?: unknown }[]) : [];
  const value = list.find((l) => l.label === LABELS.inputs)?.value;
  return typeof value === "string" ? value : undefined;
}
