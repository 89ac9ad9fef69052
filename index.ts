import { deployServices } from "./src/declare/stack";

/** Per service folder: its containers' Docker names and its home-built images. */
export const services = deployServices();
