// How far the program's heap grows between collections (README, "Performance": memory).
"use strict";

/**
 * Two V8 flags, each read again at every resize, so setting them once the process runs takes effect;
 * they change when V8 collects garbage, never what the program computes.
 *
 * - The young generation kept at the size it has when the entry runs (after the SDK's runner has
 *   loaded): a program declaring many resources allocates fast (the SDK's promises, outputs and
 *   requests, for each registration), and V8 answers by growing the young generation, by a factor of
 *   2 each time, up to 32 MiB per semi-space; the peak RSS then holds that much more. Kept: a preview
 *   of 30 folders peaks at about 230 MiB instead of 305, one of 200 at 420–450 instead of 505, in the
 *   same time.
 * - The old generation allowed to grow to 1.3 times what survived the last full collection, where V8
 *   would choose up to 4 times for a program that allocates this fast: with the folders declared a
 *   window at a time (src/declare/declarationWindow.ts; measured with a window of 8), a preview of 200
 *   folders peaks at 266–269 MiB instead of 321–325, for about 5 % more CPU time; at 30 folders, the
 *   same time and memory.
 */
const FLAGS = ["--semi-space-growth-factor=1", "--heap-growing-percent=30"];

function limitHeapGrowth(v8) {
  for (const flag of FLAGS) v8.setFlagsFromString(flag);
}

module.exports = { limitHeapGrowth, FLAGS };
