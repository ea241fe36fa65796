/**
 * Key rotation after a leave, end to end over a real relay (issue 11: "< 1 s with 10 participants
 * until every sender has rotated"): N Deno participants in key-exchange mode (the client library's
 * MeetingE2ee, the same code the browser runs) share a meeting on a relay process on loopback. One
 * leaves; we time, from its leave() call:
 *   - baseline: until every remaining participant has seen ParticipantLeft (the relay's own path);
 *   - rotated: until every remaining sender encrypts under a fresh key (its epoch moved on);
 *   - delivered: until every remaining participant also holds every other remaining sender's new key.
 * Then a newcomer joins to bring the meeting back to N, and the next round starts.
 *
 *   deno run --config deno.json -A --unstable-net bench/e2ee/rotation.ts [--participants 10] [--rounds 5]
 *
 * The activation delay (KEY_ACTIVATION_DELAY_MS, 100 ms: keys are sent before they are used) and
 * the batching window (20 ms) are part of "rotated" on purpose: that is how long a leaver's key
 * still encrypts.
 */
import { parseArgs } from "node:util";
import { joinMeeting, type MeetingSession } from "@videocall/client";
import { startServer } from "../../test/fixtures/server.ts";

const { values } = parseArgs({
  options: {
    participants: { type: "string", default: "10" },
    rounds: { type: "string", default: "5" },
  },
});
const PARTICIPANTS = Number(values.participants);
const ROUNDS = Number(values.rounds);
const MEETING = "rotation-bench";

async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

const everyPair = (
  members: MeetingSession[],
  holds: (receiver: MeetingSession, sender: MeetingSession) => boolean,
) => members.every((receiver) => members.every((sender) => sender === receiver || holds(receiver, sender)));

/** The receiver holds a key of the sender's newer than `epochs` records (join ratchets are followed without one). */
const hasKeyAfter =
  (epochs: Map<MeetingSession, number>) => (receiver: MeetingSession, sender: MeetingSession) =>
    (receiver.e2ee?.peer(sender.sessionId)?.keyEpoch ?? -1) > epochs.get(sender)!;

const server = await startServer();
let joined = 0;
const join = async () => {
  const session = await joinMeeting({
    serverUrl: server.url,
    username: `p${joined++}`,
    meetingId: MEETING,
    e2ee: { mode: "exchange" },
    transport: "websocket",
  });
  await session.e2ee?.ready;
  return session;
};

try {
  const members: MeetingSession[] = [];
  for (let i = 0; i < PARTICIPANTS; i++) members.push(await join());
  await until(() => everyPair(members, (r, s) => r.e2ee?.peer(s.sessionId)?.hasKey === true));
  const results: Array<{ baselineMs: number; rotatedMs: number; deliveredMs: number }> = [];
  for (let round = 0; round < ROUNDS; round++) {
    await until(() => everyPair(members, (r, s) => r.e2ee?.peer(s.sessionId)?.hasKey === true));
    await Promise.all(members.map((s) => s.e2ee?.settled())); // every ratchet from the last join done
    const leaver = members.shift()!;
    const remaining = [...members];
    const epochsBefore = new Map(remaining.map((s) => [s, s.e2ee!.epoch]));
    const sawLeave = new Set<MeetingSession>();
    const offs = remaining.map((s) =>
      s.events.on("participantLeft", (p) => {
        if (p.sessionId === leaver.sessionId) sawLeave.add(s);
      }),
    );
    const startedMs = performance.now();
    let baselineMs = 0;
    let rotatedMs = 0;
    void leaver.leave();
    await until(() => {
      const now = performance.now() - startedMs;
      if (!baselineMs && sawLeave.size === remaining.length) baselineMs = now;
      if (!rotatedMs && remaining.every((s) => s.e2ee!.epoch > epochsBefore.get(s)!)) rotatedMs = now;
      return baselineMs > 0 && rotatedMs > 0 && everyPair(remaining, hasKeyAfter(epochsBefore));
    });
    const deliveredMs = performance.now() - startedMs;
    for (const off of offs) off();
    results.push({ baselineMs, rotatedMs, deliveredMs });
    console.log(
      `round ${round + 1}: ${remaining.length} remaining; ParticipantLeft everywhere ${baselineMs.toFixed(1)} ms, every sender rotated ${rotatedMs.toFixed(1)} ms, every new key delivered ${deliveredMs.toFixed(1)} ms`,
    );
    members.push(await join());
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const max = (xs: number[]) => Math.max(...xs);
  const summary = {
    participants: PARTICIPANTS,
    rounds: ROUNDS,
    baselineMedianMs: median(results.map((r) => r.baselineMs)),
    rotatedMedianMs: median(results.map((r) => r.rotatedMs)),
    rotatedMaxMs: max(results.map((r) => r.rotatedMs)),
    deliveredMedianMs: median(results.map((r) => r.deliveredMs)),
    deliveredMaxMs: max(results.map((r) => r.deliveredMs)),
  };
  console.log(JSON.stringify(summary));
  for (const member of members) await member.leave();
} finally {
  await server.stop();
}
