/** The one load generator: `videocall bots` and the relay benchmark both run it. */
export * from "./latency-histogram.ts";
export * from "./load-generator.ts";
export * from "./meeting-bots.ts";
export * from "./synthetic-media.ts";
