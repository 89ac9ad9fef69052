import { deployServices } from "./src/declare/stack";

const deployment = deployServices();
/** Per service folder: its containers' Docker names, home-built images, deployed and last-change commits, and its record. */
export const services = deployment.then((d) => d.services);
/** The key of the records' secret hashes (a secret; `npm run plan` reads it). A failure is reported once, by `services`. */
export const recordKey = deployment.then((d) => d.recordKey, () => undefined);
/** What this update deployed, as keyed digests: `scripts/deploy.sh` skips the engine when the checkout and Docker still match. */
export const fingerprints = deployment.then((d) => d.fingerprints, () => undefined);
