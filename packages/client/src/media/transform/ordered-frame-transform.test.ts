import { ok as assert, deepStrictEqual as assertEquals } from "node:assert/strict";
import { Codec, MediaKind } from "@videocall/protocol";
import { type FrameMetadata, FrameTransformError } from "./frame-transform.ts";
import { OrderedFrameTransform } from "./ordered-frame-transform.ts";

const metadata = (trackId = 1): FrameMetadata => ({
  senderSessionId: 7,
  trackId,
  kind: MediaKind.VIDEO,
  codec: Codec.VP8,
  keyframe: false,
  captureTimeUs: 0n,
});

/** A transform module as a data: URL, the way a worker would import one. */
const moduleUrl = (source: string) => `data:text/javascript,${encodeURIComponent(source)}`;

Deno.test("without a spec the transform is identity and delivers before decode() returns", () => {
  const transform = new OrderedFrameTransform(undefined, "decode");
  const seen: number[] = [];
  transform.decode(new Uint8Array([1, 2]), metadata(), (outcome) => {
    assert(outcome.ok);
    seen.push(...outcome.payload);
  });
  assertEquals(seen, [1, 2]);
});

Deno.test("an async transform whose answers finish out of order still delivers in order", async () => {
  // The first frame takes longest: a naive Promise.then per frame would deliver it last.
  const source = `export function createFrameTransform() {
    return { decode: (payload) => new Promise((resolve) =>
      setTimeout(() => resolve({ ok: true, payload }), 30 - payload[0] * 10)), encode: (p) => p };
  }`;
  const transform = new OrderedFrameTransform({ moduleUrl: moduleUrl(source) }, "decode");
  const seen: number[] = [];
  const done = Promise.withResolvers<void>();
  for (const value of [0, 1, 2]) {
    transform.decode(new Uint8Array([value]), metadata(), (outcome) => {
      if (outcome.ok) seen.push(outcome.payload[0]!);
      if (seen.length === 3) done.resolve();
    });
  }
  await done.promise;
  assertEquals(seen, [0, 1, 2]);
});

Deno.test("a throwing or failing transform gives typed errors and the next frame still goes through", async () => {
  const source = `export function createFrameTransform() {
    return {
      encode: (payload) => { if (payload[0] === 0) throw new Error("boom"); return payload; },
      decode: async (payload) => payload[0] === 0
        ? { ok: false, error: Object.assign(new Error("no key"), { reason: "waiting-for-keys" }) }
        : { ok: true, payload },
    };
  }`;
  const encoder = new OrderedFrameTransform({ moduleUrl: moduleUrl(source) }, "encode");
  const outcomes: string[] = [];
  const done = Promise.withResolvers<void>();
  encoder.encode(
    new Uint8Array([0]),
    metadata(),
    () => outcomes.push("sent 0"),
    (error) => outcomes.push(`dropped: ${error.reason}`),
  );
  encoder.encode(
    new Uint8Array([1]),
    metadata(),
    () => {
      outcomes.push("sent 1");
      done.resolve();
    },
    () => outcomes.push("dropped 1"),
  );
  await done.promise;
  assertEquals(outcomes, ["dropped: failed", "sent 1"]);
  assert(new FrameTransformError("replayed").reason === "replayed");
});

Deno.test("a module that does not load fails every frame with a typed error", async () => {
  const transform = new OrderedFrameTransform(
    { moduleUrl: moduleUrl("export const nothing = 1;") },
    "decode",
  );
  const outcome = await new Promise<{ ok: boolean; reason?: string }>((resolve) =>
    transform.decode(new Uint8Array([1]), metadata(), (result) =>
      resolve(result.ok ? { ok: true } : { ok: false, reason: result.error.reason }),
    ),
  );
  assertEquals(outcome, { ok: false, reason: "failed" });
  assert(transform.loadError !== undefined);
});

Deno.test("a transform that never answers is bounded: past 64 waiting frames the next is refused at once", async () => {
  const source = `export function createFrameTransform() {
    return { encode: (p) => p, decode: () => new Promise(() => {}) };
  }`;
  const transform = new OrderedFrameTransform({ moduleUrl: moduleUrl(source) }, "decode");
  const refused: string[] = [];
  for (let i = 0; i < 65; i++) {
    transform.decode(new Uint8Array([i]), metadata(), (outcome) => {
      if (!outcome.ok) refused.push(outcome.error.reason);
    });
  }
  assertEquals(refused, ["failed"]);
  assertEquals(transform.pending, 64);
  transform.close();
});
