import type { TransportKind } from "./packet-transport.ts";

/**
 * Which transport to start with when joining a server, per origin: the one that last joined there,
 * as Media-over-QUIC clients remember a working path. A wrong memory costs one fallback (the other
 * transport starts after the head start), never a failed join.
 */
export interface TransportMemory {
  recall(origin: string): TransportKind | undefined;
  remember(origin: string, kind: TransportKind): void;
}

/** For one process (Deno CLI, bots, tests): forgotten when it exits. */
export function inMemoryTransportMemory(): TransportMemory {
  const byOrigin = new Map<string, TransportKind>();
  return {
    recall: (origin) => byOrigin.get(origin),
    remember: (origin, kind) => {
      byOrigin.set(origin, kind);
    },
  };
}

/** The part of the Web Storage API the browser memory needs (localStorage fits). */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

const STORAGE_KEY_PREFIX = "videocall.transport.";

/**
 * For a browser: survives reloads (localStorage). A storage that throws (private mode, quota, a
 * value another script wrote) reads as "nothing remembered".
 */
export function storageTransportMemory(storage: KeyValueStorage): TransportMemory {
  return {
    recall: (origin) => {
      try {
        const value = storage.getItem(STORAGE_KEY_PREFIX + origin);
        return value === "webtransport" || value === "websocket" ? value : undefined;
      } catch {
        return undefined;
      }
    },
    remember: (origin, kind) => {
      try {
        storage.setItem(STORAGE_KEY_PREFIX + origin, kind);
      } catch {
        // not remembered: the next join races both again
      }
    },
  };
}

/** The memory `connectToMeeting` uses when it is given none: this process's (or page's) own. */
export const processTransportMemory: TransportMemory = inMemoryTransportMemory();

/** The key a server URL is remembered under: its origin, whatever scheme (ws, http) names it. */
export function transportMemoryOrigin(serverUrl: string): string {
  const url = new URL(serverUrl);
  if (url.protocol === "ws:") url.protocol = "http:";
  if (url.protocol === "wss:") url.protocol = "https:";
  return url.origin;
}
