import { assert, assertEquals } from "../../../test/fixtures/assert.ts";
import { joinSubprotocols, parseJoinSubprotocols } from "./join-offer.ts";
import { negotiateProtocolVersion } from "./limits.ts";

Deno.test("a join offer survives the Sec-WebSocket-Protocol header both ways, credential included", () => {
  const credential = "tøken/with+odd=chars ✓";
  const header = joinSubprotocols({ versions: { min: 1, max: 2 }, credential }).join(", ");
  assert(!header.includes("="), "base64url without padding: every entry is a header token");
  const parsed = parseJoinSubprotocols(header);
  assert(parsed.kind === "offer");
  assertEquals(parsed.offer, { versions: { min: 1, max: 2 }, credential });
  assertEquals(parsed.offered, [2, 1]);
});

Deno.test("no version entry is a v1 client; hostile headers are values, never exceptions", () => {
  assertEquals(parseJoinSubprotocols(null), { kind: "legacy", offer: { versions: { min: 1, max: 1 } } });
  assertEquals(parseJoinSubprotocols("chat, superchat").kind, "legacy");
  for (const bad of [
    "videocall.v0",
    "videocall.v01",
    "videocall.v9999",
    "videocall.vx",
    "videocall.credential.%%%",
  ]) {
    assertEquals(parseJoinSubprotocols(bad).kind, "invalid", bad);
  }
  assertEquals(parseJoinSubprotocols("videocall.credential.__8").kind, "invalid", "not UTF-8");
  for (let i = 0; i < 500; i++) {
    const random = String.fromCharCode(...crypto.getRandomValues(new Uint8Array(40)));
    parseJoinSubprotocols(`videocall.v2, videocall.credential.${random}`); // must not throw
  }
});

Deno.test("negotiation picks the highest version in both ranges, or none", () => {
  assertEquals(negotiateProtocolVersion({ min: 1, max: 2 }), 2);
  assertEquals(negotiateProtocolVersion({ min: 1, max: 9 }), 3);
  assertEquals(negotiateProtocolVersion({ min: 1, max: 1 }), 1);
  assertEquals(negotiateProtocolVersion({ min: 4, max: 5 }), undefined);
  assertEquals(negotiateProtocolVersion({ min: 2, max: 1 }), undefined);
});

Deno.test("the e2ee flag travels as the videocall.e2ee subprotocol and back", () => {
  const header = joinSubprotocols({ versions: { min: 1, max: 2 }, e2ee: true }).join(", ");
  assertEquals(header, "videocall.v2, videocall.v1, videocall.e2ee");
  const parsed = parseJoinSubprotocols(header);
  assertEquals(parsed.kind === "offer" && parsed.offer, { versions: { min: 1, max: 2 }, e2ee: true });
  const without = parseJoinSubprotocols("videocall.v2");
  assertEquals(without.kind === "offer" && without.offer.e2ee, undefined);
});
