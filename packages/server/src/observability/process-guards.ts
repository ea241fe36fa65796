import type { Logger } from "./log.ts";
import type { RelayStats } from "./relay-stats.ts";

/**
 * Keeps the process alive through an unhandled promise rejection or an uncaught exception: one
 * failing task must not end every meeting on the node. Each is logged and counted
 * (videocall_internal_errors_total); per-connection guards close the connection concerned before
 * anything reaches here, so these catch only what escaped every guard.
 */
export function installProcessGuards(stats: RelayStats, log: Logger): () => void {
  const onRejection = (event: PromiseRejectionEvent) => {
    event.preventDefault();
    stats.countInternalError("unhandled_rejection");
    log.error({ error: describe(event.reason) }, "unhandled promise rejection (survived)");
  };
  const onError = (event: ErrorEvent) => {
    event.preventDefault();
    stats.countInternalError("uncaught_error");
    log.error({ error: describe(event.error ?? event.message) }, "uncaught exception (survived)");
  };
  globalThis.addEventListener("unhandledrejection", onRejection);
  globalThis.addEventListener("error", onError);
  return () => {
    globalThis.removeEventListener("unhandledrejection", onRejection);
    globalThis.removeEventListener("error", onError);
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
