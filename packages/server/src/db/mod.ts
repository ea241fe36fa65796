export * from "./database.ts";
export * from "./database-error.ts";
export * from "./migrate.ts";
export { MIGRATIONS } from "./migrations/mod.ts";
export * from "./open-database.ts";
export * from "./password-hash.ts";
export * from "./repositories/mod.ts";
export { TEXT_LIMITS } from "./validation.ts";
