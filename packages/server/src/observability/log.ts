import pino from "pino";

/** Structured JSON logs, one line per event. Never called per packet. */
export const log = pino({
  base: { service: "videocall-relay" },
  level: Deno.env.get("LOG_LEVEL") ?? "info",
});
export type Logger = typeof log;
