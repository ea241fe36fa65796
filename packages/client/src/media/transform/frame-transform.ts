/**
 * The frame-transform seam: every encoded frame passes through a FrameTransform between the codec
 * and the packet, on both sides (issue 9 item 2). Video runs it inside its encoder and decoder
 * workers; audio where its codec runs (on the page, or in the CLI). Identity by default; E2EE
 * (SFrame, packages/client/src/e2ee) plugs in here. Async transforms are the normal case (Web Crypto
 * is async): each track's frames still come out in the order they went in.
 *
 * A transform is given as a module, not a function, because functions cannot be posted to a worker:
 * `{ moduleUrl, options }`, where the module exports `createFrameTransform(options, context)`.
 * Runs in browsers, workers and Deno (the CLI).
 */
import type { Codec, MediaKind } from "@videocall/protocol";

/**
 * The cleartext routing fields of a frame, the same on both sides (the sequence number is left out:
 * it is given at packetization, after the encode-side transform). An E2EE transform authenticates
 * them so a relay cannot alter them unnoticed.
 */
export interface FrameMetadata {
  /** The sender's session id on the decode side (the relay's stamp); 0 on the encode side. */
  senderSessionId: number;
  trackId: number;
  kind: MediaKind;
  codec: Codec;
  keyframe: boolean;
  /** The capture time as sent (µs since the Unix epoch, as the wire's uint64 allows). */
  captureTimeUs: bigint;
}

export type FrameTransformErrorReason =
  /** Not what this transform produces (wrong format, too short). */
  | "malformed"
  /** Did not authenticate: tampered, or under another key. */
  | "authentication-failed"
  | "replayed"
  /** No key for this frame yet: the tile says "waiting for keys" instead of freezing. */
  | "waiting-for-keys"
  /** The transform itself threw. */
  | "failed";

export class FrameTransformError extends Error {
  override readonly name = "FrameTransformError";
  constructor(
    readonly reason: FrameTransformErrorReason,
    message: string = reason,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type FrameDecodeOutcome =
  | { ok: true; payload: Uint8Array }
  | { ok: false; error: FrameTransformError };

export interface FrameTransform {
  /** Encoded chunk bytes → payload bytes. A throw drops the frame (counted by the caller). */
  encode(payload: Uint8Array, metadata: FrameMetadata): Uint8Array | Promise<Uint8Array>;
  /** Payload bytes → encoded chunk bytes, or a typed error (counted; the watcher asks for a key frame). */
  decode(payload: Uint8Array, metadata: FrameMetadata): FrameDecodeOutcome | Promise<FrameDecodeOutcome>;
  close?(): void;
}

/** Where the transform runs, given to `createFrameTransform`. */
export interface FrameTransformContext {
  direction: "encode" | "decode";
  /** The page's end of a channel to this instance (keys for E2EE), when the config has `connect`. */
  port: MessagePort | undefined;
}

/** What a transform module exports. */
export interface FrameTransformModule {
  createFrameTransform(
    options: unknown,
    context: FrameTransformContext,
  ): FrameTransform | Promise<FrameTransform>;
}

/** How a session or track is configured with a transform (undefined: identity). */
export interface FrameTransformConfig {
  /** An ES module URL the page, a worker and Deno can import (absolute, or a blob:/data: URL). */
  moduleUrl: string;
  /** Structured-cloneable: it is posted to workers. */
  options?: unknown;
  /** Called once per transform instance (one per worker); the other end is given to the module. */
  connect?: () => MessagePort;
}

/** The part of a FrameTransformConfig that can be posted to a worker. */
export interface FrameTransformSpec {
  moduleUrl: string;
  options?: unknown;
  port?: MessagePort;
}

export const identityTransform: FrameTransform = {
  encode: (payload) => payload,
  decode: (payload) => ({ ok: true, payload }),
};

/** The postable spec for one instance, and what to transfer with it. */
export function specFor(config: FrameTransformConfig | undefined): {
  spec: FrameTransformSpec | undefined;
  transfer: Transferable[];
} {
  if (!config) return { spec: undefined, transfer: [] };
  const port = config.connect?.();
  return {
    spec: { moduleUrl: config.moduleUrl, options: config.options, ...(port ? { port } : {}) },
    transfer: port ? [port] : [],
  };
}

/** Imports a transform module and makes an instance; identity without a spec. */
export async function loadFrameTransform(
  spec: FrameTransformSpec | undefined,
  direction: FrameTransformContext["direction"],
): Promise<FrameTransform> {
  if (!spec) return identityTransform;
  const module = (await import(/* @vite-ignore */ spec.moduleUrl)) as Partial<FrameTransformModule>;
  if (typeof module.createFrameTransform !== "function") {
    throw new Error(`${spec.moduleUrl} does not export createFrameTransform`);
  }
  return await module.createFrameTransform(spec.options, { direction, port: spec.port });
}
