import * as command from "@pulumi/command";
import { getVersion as commandPluginVersion } from "@pulumi/command/utilities";
import * as docker from "@pulumi/docker";
import { getVersion as dockerPluginVersion } from "@pulumi/docker/utilities";
import * as pulumi from "@pulumi/pulumi";
import { DOCKER_TYPES } from "../read/dockerResources";

/**
 * The providers' containers and commands, registered with only the properties this program gives a
 * value and the outputs it reads.
 *
 * The typed classes (@pulumi/docker's Container, @pulumi/command's local Command) pass every
 * property of the provider's schema to the SDK, about 80 for a container, most of them undefined;
 * the SDK makes an output of each (four promises, each with a stack captured for its report of leaked
 * promises), at every run, for every resource: about 4,300 at 30 folders, most of what the program
 * spent per resource, in time and in memory. The engine receives the same request either way: the
 * SDK sends only the properties that have a value, and their dependencies. What the classes add is
 * kept: the plugin version the resource asks for, and a command's replacement when a trigger changes
 * (test/mock/leanResources.test.ts compares both registrations).
 */

/** The command class's type token (its `__pulumiType`, which its typings do not show); the container's is DOCKER_TYPES.container. */
export const COMMAND_TYPE = "command:local:Command";

/** The properties that have a value, then each output read back (the engine resolves it). */
function registeredProperties(args: object, outputs: readonly string[]): pulumi.Inputs {
  const props: pulumi.Inputs = {};
  for (const [key, value] of Object.entries(args) as [string, unknown][]) if (value !== undefined) props[key] = value;
  for (const key of outputs) if (!(key in props)) props[key] = undefined;
  return props;
}

export class Container extends pulumi.CustomResource {
  /** The container's Docker name. */
  declare readonly name: pulumi.Output<string>;

  constructor(name: string, args: docker.ContainerArgs, opts: pulumi.CustomResourceOptions = {}) {
    super(DOCKER_TYPES.container, name, registeredProperties(args, ["name"]), pulumi.mergeOptions({ version: dockerPluginVersion() }, opts));
  }
}

export class Command extends pulumi.CustomResource {
  /** What the create (or update) command printed on its standard output. */
  declare readonly stdout: pulumi.Output<string>;

  constructor(name: string, args: command.local.CommandArgs, opts: pulumi.CustomResourceOptions = {}) {
    const options = pulumi.mergeOptions(pulumi.mergeOptions({ version: commandPluginVersion() }, opts), { replaceOnChanges: ["triggers[*]"] });
    super(COMMAND_TYPE, name, registeredProperties(args, ["stdout"]), options);
  }
}
