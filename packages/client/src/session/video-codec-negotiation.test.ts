import { Codec } from "@videocall/protocol";
import { assertEquals } from "../../../../test/fixtures/assert.ts";
import { chooseVideoCodec } from "./video-codec-negotiation.ts";

const ALL = [Codec.AV1, Codec.VP9, Codec.H264, Codec.VP8];
const WEBKIT = [Codec.VP8];

Deno.test("codec choice: alone in the meeting, the first preference", () => {
  assertEquals(chooseVideoCodec([Codec.AV1, Codec.VP9, Codec.VP8], []), Codec.AV1);
});

Deno.test("codec choice: the first preference every receiver decodes", () => {
  assertEquals(chooseVideoCodec([Codec.AV1, Codec.VP9, Codec.VP8], [ALL, [Codec.VP9, Codec.VP8]]), Codec.VP9);
  assertEquals(chooseVideoCodec([Codec.VP9, Codec.VP8], [ALL, WEBKIT]), Codec.VP8);
});

Deno.test("codec choice: a receiver that announces nothing decodes VP8 and VP9, not AV1 or H.264", () => {
  assertEquals(chooseVideoCodec([Codec.AV1, Codec.H264, Codec.VP9, Codec.VP8], [[]]), Codec.VP9);
  assertEquals(chooseVideoCodec([Codec.AV1, Codec.VP9, Codec.VP8], [undefined]), Codec.VP9);
  assertEquals(chooseVideoCodec([Codec.H264, Codec.VP8], [[]]), Codec.VP8);
});

Deno.test("codec choice: AV1 is never chosen while one receiver cannot decode it", () => {
  const receivers = [ALL, ALL, [Codec.VP8, Codec.VP9, Codec.H264]];
  assertEquals(chooseVideoCodec([Codec.AV1, Codec.VP9, Codec.VP8], receivers), Codec.VP9);
  assertEquals(chooseVideoCodec([Codec.AV1, Codec.VP9, Codec.VP8], [ALL, ALL]), Codec.AV1);
});

Deno.test("codec choice: with nothing in common, VP8 if we encode it, else our first preference", () => {
  assertEquals(chooseVideoCodec([Codec.AV1, Codec.VP9, Codec.VP8], [[Codec.H264]]), Codec.VP8);
  assertEquals(chooseVideoCodec([Codec.VP9], [WEBKIT]), Codec.VP9);
  assertEquals(chooseVideoCodec([], [WEBKIT]), undefined);
});

Deno.test("codec choice: unknown codec numbers from newer peers are only compared", () => {
  assertEquals(chooseVideoCodec([Codec.VP9, Codec.VP8], [[99 as Codec, Codec.VP8]]), Codec.VP8);
});
