/** The two ways a client reaches the relay; the same names in the client, the server and /metrics. */
export type TransportKind = "websocket" | "webtransport";
