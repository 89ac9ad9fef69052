import * as pulumi from "@pulumi/pulumi";

/**
 * How many service folders the program declares ahead of the engine's answers.
 *
 * The program would otherwise declare every folder within a second, and the engine answers over the
 * next seconds (a preview) or minutes (an `up`): until a registration is answered, the SDK holds its
 * request, its pending promises and their stack captures, about 130 KiB per resource, 160 MiB of live
 * heap for 200 folders. Declaring the next folder once the oldest one's registrations are answered
 * keeps at most this many folders pending: the program's peak RSS in a preview of 200 folders is
 * 254–298 MiB instead of 344–354 with every folder declared at once (both with scripts/heapGrowth.cjs;
 * `npm run bench:memory`), in the same time. The engine runs 4 steps per core at once
 * (Pulumi's default parallelism), and one folder's registrations follow one another (image, make-way,
 * container, health wait, handover), so 32 folders keep it as busy as all of them would; up to 32
 * folders, nothing waits.
 */
export const FOLDERS_AHEAD = 32;

/** Sets another window (a machine short of memory: fewer; `up` of many folders on a machine with many cores: more). */
export const FOLDERS_AHEAD_ENV = "DEPLOY_FOLDERS_AHEAD";

/** The window's size: FOLDERS_AHEAD, or the environment's DEPLOY_FOLDERS_AHEAD (a whole number from 1). */
export function foldersAhead(env: (name: string) => string | undefined): number {
  const value = env(FOLDERS_AHEAD_ENV);
  if (value === undefined || value === "") return FOLDERS_AHEAD;
  if (!/^[1-9][0-9]*$/.test(value)) throw new Error(`${FOLDERS_AHEAD_ENV}=${value}: expected a whole number of folders from 1 (${FOLDERS_AHEAD} when unset)`);
  return Number(value);
}

/** An output's value as a promise: internal to the SDK's Output, stable since its first versions (its own tests and `apply` use it). */
interface Awaitable {
  promise(): Promise<unknown>;
}

/** The folders declared and not yet answered, oldest first. */
export class DeclarationWindow {
  private readonly pending: Promise<void>[] = [];

  constructor(private readonly size: number) {}

  /**
   * After a folder is declared: when `size` folders wait for the engine, resolves once the oldest of
   * them is answered. A registration that fails counts as answered (the engine reports it): the next
   * folders are declared, as without a window.
   */
  async declared(resources: readonly pulumi.Resource[]): Promise<void> {
    this.pending.push(answered(resources));
    if (this.pending.length >= this.size) await this.pending.shift();
  }
}

/** Settles when the engine has answered the registration of every one of these resources, whatever the answer. */
function answered(resources: readonly pulumi.Resource[]): Promise<void> {
  const ignore = (): void => undefined;
  return Promise.all(resources.map((r) => (r.urn as unknown as Awaitable).promise().then(ignore, ignore))).then(ignore);
}
