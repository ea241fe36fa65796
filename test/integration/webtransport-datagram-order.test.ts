import assert from "node:assert/strict";
import { encodePacket, frameOnStream, MediaKind, PROTOCOL_VERSION } from "@videocall/protocol";
import { connectToMeeting } from "../../packages/client/src/session/connect.ts";
import { createDevelopmentCertificate } from "../../packages/server/src/tls/development-certificate.ts";

// Over WebTransport the Welcome rides the stream and other participants' audio rides datagrams;
// nothing orders the two. A datagram read first used to be taken for the server's first packet
// ("expected Welcome, got media"), failing the join and handing the call to WebSocket.
Deno.test("an audio datagram that overtakes the Welcome does not fail the join", async () => {
  const certificate = await createDevelopmentCertificate(["localhost", "127.0.0.1"]);
  const endpoint = new Deno.QuicEndpoint({ hostname: "127.0.0.1", port: 0 });
  const listener = endpoint.listen({
    cert: certificate.certPem,
    key: certificate.keyPem,
    alpnProtocols: ["h3"],
  });
  const audio = encodePacket({
    body: { case: "media", value: { trackId: 1, kind: MediaKind.AUDIO, payload: new Uint8Array(40) } },
  });
  const welcome = encodePacket({
    body: {
      case: "welcome",
      value: { protocolVersion: PROTOCOL_VERSION, sessionId: 42, meetingId: "m", heartbeatIntervalMs: 5000 },
    },
  });
  const server = (async () => {
    for await (const incoming of listener) {
      const session = await Deno.upgradeWebTransport(await incoming.accept());
      session.closed.catch(() => {});
      await session.ready;
      const stream = (await session.incomingBidirectionalStreams.getReader().read()).value!;
      stream.readable.pipeTo(new WritableStream()).catch(() => {});
      await session.datagrams.writable.getWriter().write(audio); // audio routed at once…
      await new Promise((resolve) => setTimeout(resolve, 200));
      await stream.writable.getWriter().write(frameOnStream(welcome)); // …the Welcome lands after it
    }
  })().catch(() => {});
  const http = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () =>
    Response.json({
      enabled: true,
      port: endpoint.addr.port,
      certificateHashes: [
        { algorithm: "sha-256", valueBase64: btoa(String.fromCharCode(...certificate.sha256)) },
      ],
    }),
  );
  try {
    const connected = await connectToMeeting({
      serverUrl: `http://127.0.0.1:${http.addr.port}`,
      username: "bob",
      meetingId: "m",
      transport: "webtransport",
    });
    assert.equal(connected.welcome.sessionId, 42);
    connected.transport.close(1000, "done");
  } finally {
    await http.shutdown();
    listener.stop();
    endpoint.close();
    await server;
  }
});
