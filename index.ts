import { deployServices } from "./src/declare/stack";

/** Per service folder: its containers' Docker names, home-built images, deployed and last-change commits. */
export const services = deployServices();
