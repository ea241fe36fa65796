/** Why a connection to a meeting could not be made or was lost; each reason is something a person can act on. */
export type ConnectionErrorReason =
  | "server-unreachable"
  | "timeout"
  | "rejected"
  | "protocol-error"
  | "closed-by-server"
  | "cancelled";

export class ConnectionError extends Error {
  override readonly name = "ConnectionError";
  constructor(
    readonly reason: ConnectionErrorReason,
    message: string,
    /** WebSocket close code when the server closed the connection. */
    readonly closeCode?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
