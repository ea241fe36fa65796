import { assert, assertEquals } from "../../test/fixtures/assert.ts";
import { firstUdpHostCandidate, withOnlyCandidate, withoutCandidates } from "./webrtc-path.ts";

const SDP = [
  "v=0",
  "o=- 1 2 IN IP4 127.0.0.1",
  "m=video 9 UDP/TLS/RTP/SAVPF 96",
  "c=IN IP4 0.0.0.0",
  "a=candidate:1 1 tcp 1518280447 192.0.2.2 9 typ host tcptype active",
  "a=candidate:2 1 udp 2122194687 fe80::1 50001 typ host",
  "a=candidate:3 1 udp 2122260223 192.0.2.2 50002 typ host generation 0",
  "a=candidate:4 1 udp 1686052607 203.0.113.9 50003 typ srflx raddr 192.0.2.2 rport 50002",
  "a=end-of-candidates",
  "a=ice-ufrag:abcd",
  "a=ice-pwd:secretsecretsecretsecret",
  "a=mid:0",
  "",
].join("\r\n");

Deno.test("the first IPv4 UDP host candidate, skipping TCP, IPv6 and reflexive ones", () => {
  assertEquals(firstUdpHostCandidate(SDP), { hostname: "192.0.2.2", port: 50002 });
  assertEquals(firstUdpHostCandidate(withoutCandidates(SDP)), undefined);
});

Deno.test("an SDP stripped of candidates, then given only the proxy's", () => {
  const stripped = withoutCandidates(SDP);
  assert(!stripped.includes("a=candidate:") && !stripped.includes("a=end-of-candidates"), stripped);
  assert(stripped.includes("a=ice-pwd:secretsecretsecretsecret\r\na=mid:0"), "the rest is kept in order");
  const munged = withOnlyCandidate(SDP, { hostname: "127.0.0.1", port: 40000 });
  const candidates = munged.split("\r\n").filter((line) => line.startsWith("a=candidate:"));
  assertEquals(candidates, ["a=candidate:1 1 udp 2122260223 127.0.0.1 40000 typ host"]);
  assertEquals(firstUdpHostCandidate(munged), { hostname: "127.0.0.1", port: 40000 });
});
