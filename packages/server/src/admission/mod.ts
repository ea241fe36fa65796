export * from "./admitter.ts";
export * from "./open-admitter.ts";
