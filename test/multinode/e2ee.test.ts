/**
 * E2EE across relay nodes linked by a real nats-server: the identity announcements (broadcast
 * extension, body 32) and the wrapped keys (targeted extension, body 48) cross the NATS bus opaque,
 * and after a leave on one node the senders on the other rotate and keep decrypting each other.
 */
import { assert, assertEquals } from "../fixtures/assert.ts";
import { E2eeParticipant } from "../fixtures/e2ee-participant.ts";
import { startNats } from "../fixtures/nats.ts";
import { delay, waitFor } from "../fixtures/wait.ts";
import { startRelayNode } from "./relay-nodes.ts";

const EXCHANGE = { mode: "exchange" } as const;

async function exchangeFrames(participants: E2eeParticipant[], count: number): Promise<void> {
  await waitFor(
    `every participant to decrypt ${count} frames from every other`,
    async () => {
      for (const p of participants) await p.sendFrame(true);
      await delay(30);
      return participants.every((receiver) =>
        participants.every(
          (sender) => sender === receiver || receiver.decrypted(sender.sessionId).length >= count,
        ),
      );
    },
    20_000,
  );
}

Deno.test("keys are exchanged across two relay nodes over NATS, and a leave on one node rotates keys on both", async () => {
  const nats = await startNats();
  const nodeA = await startRelayNode(nats.urls, "node-a");
  const nodeB = await startRelayNode(nats.urls, "node-b");
  const participants: E2eeParticipant[] = [];
  try {
    const alice = await E2eeParticipant.join(nodeA.url, "alice", "e2ee-nodes", EXCHANGE);
    const bob = await E2eeParticipant.join(nodeB.url, "bob", "e2ee-nodes", EXCHANGE, {
      transport: "webtransport",
    });
    const carol = await E2eeParticipant.join(nodeB.url, "carol", "e2ee-nodes", EXCHANGE);
    participants.push(alice, bob, carol);
    await exchangeFrames([alice, bob, carol], 3);
    assertEquals(alice.e2ee.stats().keyMessagesRejected + bob.e2ee.stats().keyMessagesRejected, 0);

    await carol.leave();
    await waitFor(
      "alice (node A) and bob (node B) to rotate",
      () => {
        return alice.e2ee.stats().rotations >= 1 && bob.e2ee.stats().rotations >= 1;
      },
      10_000,
    );
    await exchangeFrames([alice, bob], bob.decrypted(alice.sessionId).length + 3);
    const late = bob.received.filter((r) => r.from === alice.sessionId && r.outcome.ok).slice(-3);
    let carolDecrypted = 0;
    for (const frame of late) if ((await carol.decode(alice.sessionId, frame.media)).ok) carolDecrypted++;
    assertEquals(carolDecrypted, 0, "carol's last keys decrypt none of alice's frames after she left");
    assert(late.length === 3);
  } finally {
    for (const p of participants) {
      if (!p.session.isClosed) await p.leave();
      p.closeDecoders();
    }
    await nodeA.stop();
    await nodeB.stop();
    await nats.stop();
  }
});
