export * from "./bus/in-memory-bus.ts";
export * from "./bus/meeting-bus.ts";
export * from "./server.ts";
