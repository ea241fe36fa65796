/**
 * The baseline the relay is measured against: the plainest broadcast relay Deno allows.
 * Rooms come from the same `/lobby/<username>/<meetingId>` path; every binary message goes as is
 * to every other socket of the room. No parsing, no queue, no heartbeat. It answers the join as
 * clients expect (the highest offered protocol version, one Welcome per connection), so the same
 * load generator joins both servers; after that it only copies bytes.
 *
 * Run: deno run -A bench/relay/baseline-relay.ts --port 0 --host 127.0.0.1
 */
import { parseArgs } from "node:util";
import { encodePacket, parseJoinSubprotocols, versionSubprotocol } from "@videocall/protocol";
import { exitWhenStdinCloses } from "./child-process.ts";

/** The last protocol version whose WebSocket messages are one packet each. */
const PLAIN_VERSION = 2;
const LOBBY_PATH = /^\/lobby\/[^/]+\/([^/]+)\/?$/;

const { values } = parseArgs({
  args: Deno.args,
  options: {
    port: { type: "string", default: "0" },
    host: { type: "string", default: "127.0.0.1" },
    "exit-with-parent": { type: "boolean" },
  },
  strict: true,
});

const rooms = new Map<string, Set<WebSocket>>();
let nextSessionId = 1;

function join(meetingId: string, socket: WebSocket, protocolVersion: number): void {
  let room = rooms.get(meetingId);
  if (!room) {
    room = new Set();
    rooms.set(meetingId, room);
  }
  const members = room;
  socket.binaryType = "arraybuffer";
  const sessionId = nextSessionId++;
  socket.onopen = () => {
    socket.send(
      encodePacket({ body: { case: "welcome", value: { protocolVersion, sessionId, meetingId } } }),
    );
    members.add(socket);
  };
  socket.onmessage = (event) => {
    for (const other of members) {
      if (other !== socket && other.readyState === WebSocket.OPEN) other.send(event.data);
    }
  };
  socket.onclose = () => {
    members.delete(socket);
    if (members.size === 0 && rooms.get(meetingId) === members) rooms.delete(meetingId);
  };
  socket.onerror = () => {}; // onclose follows
}

const listening = Promise.withResolvers<Deno.NetAddr>();
Deno.serve(
  { hostname: values.host, port: Number(values.port), onListen: (addr) => listening.resolve(addr) },
  (request) => {
    const match = LOBBY_PATH.exec(new URL(request.url).pathname);
    if (!match || request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("expected a WebSocket upgrade on /lobby/<username>/<meetingId>\n", { status: 426 });
    }
    const joinRequest = parseJoinSubprotocols(request.headers.get("sec-websocket-protocol"));
    // At most v2: one packet per message, one send per packet and receiver (v3 would ask it to batch).
    const protocolVersion =
      joinRequest.kind === "offer" ? Math.min(PLAIN_VERSION, joinRequest.offer.versions.max) : 1;
    const { socket, response } = Deno.upgradeWebSocket(request, {
      idleTimeout: 0,
      ...(joinRequest.kind === "offer" ? { protocol: versionSubprotocol(protocolVersion) } : {}),
    });
    join(match[1] as string, socket, protocolVersion);
    return response;
  },
);
const addr = await listening.promise;
// Same line as the real server, so the orchestrator starts both the same way.
console.log(
  JSON.stringify({ event: "listening", port: addr.port, url: `http://${addr.hostname}:${addr.port}` }),
);
exitWhenStdinCloses();
