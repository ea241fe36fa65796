export * from "./admitter.ts";
export * from "./open-admitter.ts";
export * from "./token-admitter.ts";
