import { assert, assertEquals } from "../../../../../test/fixtures/assert.ts";
import { concealFrame } from "./concealment.ts";
import { JitterBuffer, type PlayoutSlot } from "./jitter-buffer.ts";

const FRAME_MS = 20;

/** Deterministic pseudo-random delays, so the jitter tests do not flake. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * Simulates a stream: frame `seq` is sent at seq·20 ms and arrives after `delayMs(seq)`; the player
 * pops one frame every 20 ms. Returns what was played and the buffer.
 */
function simulate(
  frameCount: number,
  delayMs: (sequence: number) => number,
  buffer = new JitterBuffer<number>(),
): { buffer: JitterBuffer<number>; slots: PlayoutSlot<number>[] } {
  const arrivals = Array.from({ length: frameCount }, (_, seq) => ({
    seq,
    atMs: seq * FRAME_MS + delayMs(seq),
  }));
  arrivals.sort((a, b) => a.atMs - b.atMs);
  const slots: PlayoutSlot<number>[] = [];
  let next = 0;
  const endMs = frameCount * FRAME_MS + 1000;
  for (let nowMs = 0; nowMs < endMs; nowMs += FRAME_MS) {
    while (next < arrivals.length && arrivals[next]!.atMs <= nowMs) {
      const { seq, atMs } = arrivals[next++]!;
      buffer.push(seq, atMs, seq);
    }
    slots.push(buffer.pop());
  }
  return { buffer, slots };
}

/** Concealed slots among slots [from, to): the tail after the stream ends is excluded by the caller. */
function concealed(slots: PlayoutSlot<number>[], from: number, to: number): number {
  return slots.slice(from, to).filter((slot) => slot.kind === "conceal").length;
}

function played(slots: PlayoutSlot<number>[]): number[] {
  return slots.flatMap((slot) => (slot.kind === "frame" ? [slot.sequence] : []));
}

Deno.test("a steady stream keeps the minimum depth and plays every frame once, in order", () => {
  const { buffer, slots } = simulate(200, () => 30);
  assert(buffer.jitterMs < 1, `jitter ${buffer.jitterMs}`);
  assertEquals(buffer.targetDepthMs, 20);
  assertEquals(
    played(slots),
    Array.from({ length: 200 }, (_, i) => i),
  );
  assertEquals(concealed(slots, 0, 200), 0);
});

Deno.test("the target depth grows with jitter, and underruns become rare once it has", () => {
  const random = seededRandom(7);
  const { buffer, slots } = simulate(1500, () => 30 + random() * 60);
  // Uniform 0..60 ms delays: the mean |ΔD| is 20 ms, so the target settles near 3 · 20 = 60 ms.
  assert(buffer.jitterMs > 12 && buffer.jitterMs < 30, `jitter ${buffer.jitterMs}`);
  assert(buffer.targetDepthMs >= 40, `target ${buffer.targetDepthMs}`);
  const early = concealed(slots, 0, 300);
  const late = concealed(slots, 1100, 1400);
  assert(early > 0, "the initial 20 ms target underruns under this jitter");
  assert(late < early, `concealed early ${early}, late ${late}`);
});

Deno.test("a larger jitter gives a larger target, capped at the maximum", () => {
  const random = seededRandom(3);
  const low = simulate(600, () => 10 + random() * 10).buffer.targetDepthMs;
  const high = simulate(600, () => 10 + random() * 150).buffer.targetDepthMs;
  const huge = simulate(600, () => 10 + random() * 900).buffer.targetDepthMs;
  assert(high > low, `low ${low}, high ${high}`);
  assertEquals(huge, 200);
});

Deno.test("frames that arrive out of order are played in sequence order", () => {
  const buffer = new JitterBuffer<string>({ minTargetMs: 60 });
  for (const seq of [3, 1, 2, 0]) buffer.push(seq, 0, `f${seq}`);
  const out = [buffer.pop(), buffer.pop(), buffer.pop(), buffer.pop()];
  assertEquals(
    out.map((s) => (s.kind === "frame" ? s.frame : s.kind)),
    ["f0", "f1", "f2", "f3"],
  );
});

Deno.test("a lost frame is concealed, then playout continues with the next one", () => {
  const buffer = new JitterBuffer<number>();
  buffer.push(0, 0, 0);
  assertEquals(buffer.pop(), { kind: "frame", sequence: 0, frame: 0 });
  buffer.push(2, 40, 2); // 1 is lost
  assertEquals(buffer.pop(), { kind: "conceal", lossCount: 1 });
  assertEquals(buffer.pop(), { kind: "frame", sequence: 2, frame: 2 });
  assertEquals(buffer.stats().framesConcealed, 1);
});

Deno.test("a frame that arrives after its slot was concealed is dropped as late", () => {
  const buffer = new JitterBuffer<number>();
  buffer.push(0, 0, 0);
  buffer.pop();
  buffer.push(2, 40, 2);
  buffer.pop(); // conceals 1
  assertEquals(buffer.push(1, 45, 1), false);
  assertEquals(buffer.stats().framesLate, 1);
  assertEquals(buffer.pop(), { kind: "frame", sequence: 2, frame: 2 });
});

Deno.test("an underrun waits for the late frame instead of skipping it", () => {
  const buffer = new JitterBuffer<number>();
  buffer.push(0, 0, 0);
  buffer.pop();
  assertEquals(buffer.pop(), { kind: "conceal", lossCount: 1 }); // nothing buffered
  assert(buffer.push(1, 50, 1), "frame 1 is still wanted");
  assertEquals(buffer.pop(), { kind: "frame", sequence: 1, frame: 1 });
});

Deno.test("a stopped stream fades to silence and re-buffers when it resumes", () => {
  const buffer = new JitterBuffer<number>({ maxConcealedFrames: 3 });
  buffer.push(0, 0, 0);
  buffer.pop();
  const kinds = Array.from({ length: 5 }, () => buffer.pop().kind);
  assertEquals(kinds, ["conceal", "conceal", "conceal", "silence", "silence"]);
  buffer.push(1, 5000, 1);
  assertEquals(buffer.pop(), { kind: "frame", sequence: 1, frame: 1 });
});

Deno.test("excess depth is trimmed back towards the target", () => {
  const buffer = new JitterBuffer<number>();
  for (let seq = 0; seq < 10; seq++) buffer.push(seq, seq * FRAME_MS, seq);
  assertEquals(buffer.depthMs, 200);
  for (let i = 0; i < 10; i++) buffer.pop();
  assert(buffer.stats().framesDiscarded > 0, "some frames were discarded");
  assertEquals(buffer.depthMs, 0);
});

Deno.test("concealment repeats the last frame with a decaying gain, then silence without history", () => {
  const last = new Float32Array(960).fill(0.5);
  const first = new Float32Array(960);
  const second = new Float32Array(960);
  concealFrame(last, 1, first);
  concealFrame(last, 2, second);
  assertEquals(first[0], 0.5);
  assert(first[959]! < first[0]! && first[959]! > 0.25, "fades within the frame");
  assert(Math.abs(second[0]! - 0.25) < 1e-6, "continues from where the first ended");
  const none = new Float32Array(4).fill(1);
  concealFrame(undefined, 1, none);
  assertEquals([...none], [0, 0, 0, 0]);
});

/** Plays a stream of `sequences`, one arriving every 20 ms, one pop per arrival; returns the slots. */
function playInOrder(buffer: JitterBuffer<number>, sequences: number[], startMs = 0): PlayoutSlot<number>[] {
  return sequences.map((sequence, index) => {
    buffer.push(sequence, startMs + index * FRAME_MS, sequence);
    return buffer.pop();
  });
}

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

Deno.test("a track republished from sequence 0 plays in full, not every other frame", () => {
  const buffer = new JitterBuffer<number>();
  playInOrder(buffer, range(5000, 100));
  const slots = playInOrder(buffer, range(1, 200), 100 * FRAME_MS);
  const after = played(slots);
  assert(after.length >= 195, `played ${after.length} of 200 frames after the restart`);
  const tail = after.slice(-50);
  assertEquals(tail, range(tail[0]!, 50));
  assert(tail[49]! >= 196, `playout is at frame ${tail[49]} of 200`);
  assert(buffer.depthMs <= 60, `depth ${buffer.depthMs} ms`);
});

Deno.test("absurd sequence numbers cost a moment of the stream, never the rest of it", () => {
  const buffer = new JitterBuffer<number>();
  playInOrder(buffer, range(0, 50));
  const absurd = [2 ** 31, 2 ** 32 - 1, 0, 0, 49, 2 ** 31 + 7, 3, 2 ** 32 - 1, 2 ** 32 - 1];
  playInOrder(buffer, absurd, 50 * FRAME_MS);
  for (const value of [buffer.depthMs, buffer.targetDepthMs, buffer.jitterMs]) {
    assert(Number.isFinite(value) && value >= 0, `a stat is ${value}`);
  }
  assert(buffer.depthMs <= buffer.capacityFrames * FRAME_MS, `depth ${buffer.depthMs} ms`);
  const slots = playInOrder(buffer, range(50, 200), 60 * FRAME_MS);
  const after = played(slots);
  assert(after.length >= 190, `played ${after.length} of 200 honest frames after the nonsense`);
  const tail = after.slice(-100);
  // In order again; a skipped frame here is a discard of spare depth (at most one a second).
  const steps = tail.slice(1).map((sequence, i) => sequence - tail[i]!);
  assert(
    steps.every((step) => step === 1 || step === 2),
    `the honest stream plays in order again: ${tail}`,
  );
  assert(steps.filter((step) => step === 2).length <= 2, `frames skipped in ${tail}`);
  assert(tail[99]! >= 245, `playout is at frame ${tail[99]} of 249`);
});

Deno.test("a flood of distinct sequence numbers never holds more than the capacity", () => {
  const buffer = new JitterBuffer<number>();
  const random = seededRandom(11);
  for (let i = 0; i < 10_000; i++) buffer.push(Math.floor(random() * 2 ** 32), i, i);
  assert(buffer.depthMs <= buffer.capacityFrames * FRAME_MS, `depth ${buffer.depthMs} ms`);
  for (let i = 0; i < 100; i++) buffer.pop();
  assert(Number.isFinite(buffer.jitterMs));
});

Deno.test("frequent loss deepens the target by a frame or two, and the margin goes when the loss does", () => {
  // Steady arrival, so only loss can move the target: every 10th frame is lost (10 %).
  const lossy = new JitterBuffer<number>();
  const { slots } = simulate(300, (seq) => (seq % 10 === 5 ? 1_000_000 : 30), lossy);
  assert(concealed(slots, 0, 300) >= 25, `concealed ${concealed(slots, 0, 300)}`);
  assert(lossy.stats().concealmentRatio > 0.05, `ratio ${lossy.stats().concealmentRatio}`);
  assert(lossy.lossMarginMs >= FRAME_MS, `margin ${lossy.lossMarginMs}`);
  assert(lossy.targetDepthMs >= 40, `target ${lossy.targetDepthMs}`);

  const clean = simulate(300, () => 30).buffer;
  assertEquals(clean.lossMarginMs, 0);
  assertEquals(clean.targetDepthMs, 20);

  // Loss for the first 200 frames, then none: the margin decays away.
  const recovered = simulate(600, (seq) => (seq < 200 && seq % 10 === 5 ? 1_000_000 : 30)).buffer;
  assertEquals(recovered.lossMarginMs, 0);
});

Deno.test("lip sync's extra delay deepens the buffer by stretching, then the discards take it back", () => {
  const buffer = new JitterBuffer<number>();
  const played: PlayoutSlot<number>[] = [];
  let sequence = 0;
  const run = (slots: number) => {
    for (let i = 0; i < slots; i++) {
      buffer.push(sequence, sequence * FRAME_MS + 5, sequence);
      sequence++;
      played.push(buffer.pop());
    }
  };
  run(100);
  const shallow = buffer.depthMs;
  buffer.setExtraDelayMs(200);
  run(100);
  const stretched = buffer.stats().framesStretched;
  // 200 ms is 10 frames of 20 ms, one inserted per 5 slots: deep enough after about 50 slots.
  assert(buffer.depthMs >= shallow + 200 - 2 * FRAME_MS, `depth ${buffer.depthMs} ms, was ${shallow} ms`);
  assert(stretched >= 9 && stretched <= 11, `${stretched} frames stretched`);
  assertEquals(buffer.stats().framesConcealed, 0);
  assertEquals(buffer.stats().extraDelayMs, 200);
  // No frame was lost on the way: every sequence played, in order.
  const sequences = played.flatMap((slot) => (slot.kind === "frame" ? [slot.sequence] : []));
  assertEquals(
    sequences,
    Array.from({ length: sequences.length }, (_, i) => (sequences[0] ?? 0) + i),
  );
  buffer.setExtraDelayMs(0);
  run(100);
  assert(buffer.depthMs <= shallow + 3 * FRAME_MS, `depth ${buffer.depthMs} ms after the extra delay went`);
  buffer.setExtraDelayMs(Number.NaN);
  assertEquals(buffer.stats().extraDelayMs, 0);
  buffer.setExtraDelayMs(1e9);
  assertEquals(buffer.stats().extraDelayMs, buffer.maxExtraDelayMs);
});

Deno.test("a DTX pause (packets left out by a quiet sender) is no jitter when packets carry capture times", () => {
  // Speech for 20 packets, then comfort noise every 400 ms for 5 s, then speech again, each
  // packet 2 ms after its capture: a steady network. Sequence numbers stay contiguous throughout.
  const withCapture = new JitterBuffer<number>();
  const withoutCapture = new JitterBuffer<number>();
  let sequence = 0;
  const send = (captureMs: number) => {
    withCapture.push(sequence, captureMs + 2, sequence, captureMs);
    withoutCapture.push(sequence, captureMs + 2, sequence);
    sequence++;
  };
  let captureMs = 1_000;
  for (let i = 0; i < 20; i++, captureMs += FRAME_MS) send(captureMs);
  for (let i = 0; i < 12; i++, captureMs += 400) send(captureMs);
  for (let i = 0; i < 20; i++, captureMs += FRAME_MS) send(captureMs);
  assert(withCapture.jitterMs < 1, `jitter ${withCapture.jitterMs} ms`);
  assertEquals(withCapture.targetDepthMs, withCapture.minTargetMs);
  // What the sequence numbers alone make of it: every pause packet looks 380 ms late.
  assert(withoutCapture.jitterMs > 50, `jitter ${withoutCapture.jitterMs} ms`);
});

Deno.test("after a pause the next talk spurt plays on the timeline the last one did, so lip sync keeps its offset", () => {
  /** Plays a spurt, a 1 s pause, another spurt; returns each played frame's delay behind its capture. */
  const run = (withCaptureTimes: boolean) => {
    const buffer = new JitterBuffer<number>();
    const sent: { sequence: number; captureMs: number }[] = [];
    for (let i = 0; i < 50; i++) sent.push({ sequence: i, captureMs: 1_000 + i * FRAME_MS });
    for (let i = 0; i < 50; i++) sent.push({ sequence: 50 + i, captureMs: 3_000 + i * FRAME_MS });
    // The first spurt starts deep (lip sync asked for 60 ms more), then the extra is no longer needed:
    // the buffer keeps 60 ms more than its target, short of what it would trim.
    buffer.setExtraDelayMs(60);
    const delays = new Map<number, number>();
    let next = 0;
    for (let slotMs = 1_000; slotMs < 6_000; slotMs += FRAME_MS) {
      if (slotMs === 1_400) buffer.setExtraDelayMs(0);
      while (next < sent.length && sent[next]!.captureMs + 5 <= slotMs) {
        const { sequence, captureMs } = sent[next++]!;
        buffer.push(sequence, captureMs + 5, sequence, withCaptureTimes ? captureMs : undefined);
      }
      const slot = buffer.pop();
      if (slot.kind === "frame") delays.set(slot.sequence, slotMs - sent[slot.sequence]!.captureMs);
    }
    return { beforePause: delays.get(49), afterPause: delays.get(50) };
  };
  const timeline = run(true);
  assert(timeline.beforePause !== undefined && timeline.afterPause !== undefined, JSON.stringify(timeline));
  assert(Math.abs(timeline.afterPause - timeline.beforePause) <= FRAME_MS / 2, JSON.stringify(timeline));
  // Without capture times the spurt starts once its target depth is in, and the pause counted as
  // jitter has raised that target: 80 ms later here.
  const depthOnly = run(false);
  assert(
    depthOnly.beforePause !== undefined && depthOnly.afterPause !== undefined,
    JSON.stringify(depthOnly),
  );
  assert(Math.abs(depthOnly.afterPause - depthOnly.beforePause) >= 2 * FRAME_MS, JSON.stringify(depthOnly));
});

Deno.test("in a quiet room the playout timeline comes back after lip sync's extra delay is lifted", () => {
  const buffer = new JitterBuffer<number>();
  // A quiet sender: one comfort-noise packet every 400 ms (DTX), on time. Lip sync asks for 100 ms
  // more for 6 s, then nothing. Each packet plays alone, so no depth builds up for discards to act
  // on, and every stretch moved the timeline later for good before it was bounded.
  const delays: number[] = [];
  let sequence = 0;
  for (let slotMs = 1_000; slotMs < 21_000; slotMs += FRAME_MS) {
    if (slotMs === 1_000) buffer.setExtraDelayMs(100);
    if (slotMs === 7_000) buffer.setExtraDelayMs(0);
    if ((slotMs - 1_000) % 400 === 0) {
      buffer.push(sequence, slotMs + 2, sequence, slotMs);
      sequence++;
    }
    const slot = buffer.pop();
    if (slot.kind === "frame") delays.push(slotMs - (1_000 + slot.sequence * 400));
  }
  assert(delays.length >= 45, `played ${delays.length}`);
  const latestMs = Math.max(...delays.slice(-10));
  assert(latestMs <= buffer.targetDepthMs + 4 * FRAME_MS, `delays ${delays.join(" ")}`);
});

Deno.test("a talk spurt whose first frame is already here when the pause before it ends still plays on the timeline", () => {
  // Lip sync holds the audio 120 ms deeper, so the next packet after a short DTX pause (sequence
  // numbers contiguous, capture times 100 ms apart) is in the buffer before the pause has played
  // out. Played in the next slot, that first word came 80 ms sooner after its capture than the
  // frames around it.
  const buffer = new JitterBuffer<number>();
  buffer.setExtraDelayMs(120);
  const captures: number[] = [];
  for (let i = 0; i < 100; i++) captures.push(1_000 + i * FRAME_MS);
  const resumeMs = (captures.at(-1) ?? 0) + 100;
  for (let i = 0; i < 50; i++) captures.push(resumeMs + i * FRAME_MS);
  const delays = new Map<number, number>();
  let next = 0;
  for (let slotMs = 1_000; slotMs < 6_000; slotMs += FRAME_MS) {
    while (next < captures.length && (captures[next] ?? 0) + 5 <= slotMs) {
      buffer.push(next, (captures[next] ?? 0) + 5, next, captures[next]);
      next++;
    }
    const slot = buffer.pop();
    if (slot.kind === "frame") delays.set(slot.sequence, slotMs - (captures[slot.sequence] ?? 0));
  }
  const before = delays.get(99);
  const after = delays.get(100);
  assert(before !== undefined && after !== undefined, JSON.stringify([...delays]));
  assert(before >= 100, `the buffer never deepened for lip sync: ${before} ms`);
  assert(Math.abs(after - before) <= FRAME_MS / 2, `before the pause ${before} ms, after it ${after} ms`);
});

Deno.test("when the path's delay grows, talk spurts soon play on its new timeline from their first word", () => {
  // Spurts of 400 ms every second, lip sync asking for 100 ms more; at 5 s the network's delay
  // grows from 5 to 150 ms (a longer route, a loaded link). The fastest arrival was remembered for
  // 10 s: each spurt's first word was held to the old path's timeline (and the buffer stretched
  // back out within the spurt, so a word's first syllable and its last came 80 ms apart).
  const buffer = new JitterBuffer<number>();
  buffer.setExtraDelayMs(100);
  const sent: { captureMs: number; transitMs: number }[] = [];
  for (let spurtMs = 1_000; spurtMs < 12_000; spurtMs += 1_000) {
    for (let i = 0; i < 20; i++) {
      const captureMs = spurtMs + i * FRAME_MS;
      sent.push({ captureMs, transitMs: captureMs < 5_000 ? 5 : 150 });
    }
  }
  const delays = new Map<number, number>();
  let next = 0;
  for (let slotMs = 1_000; slotMs < 13_000; slotMs += FRAME_MS) {
    while (next < sent.length && sent[next]!.captureMs + sent[next]!.transitMs <= slotMs) {
      const { captureMs, transitMs } = sent[next]!;
      buffer.push(next, captureMs + transitMs, next, captureMs);
      next++;
    }
    const slot = buffer.pop();
    if (slot.kind === "frame") delays.set(slot.sequence, slotMs - sent[slot.sequence]!.captureMs);
  }
  // Each spurt from 8 s on: its frames' delays behind capture, first word to last.
  for (let spurt = 7; spurt < 11; spurt++) {
    const spurtDelays = Array.from({ length: 20 }, (_, i) => delays.get(spurt * 20 + i) ?? Number.NaN);
    const spreadMs = Math.max(...spurtDelays) - Math.min(...spurtDelays);
    assert(spreadMs <= FRAME_MS, `spurt at ${spurt + 1} s: delays ${spurtDelays.join(" ")}`);
    // And on the new path's timeline: its transit plus at least lip sync's extra delay.
    assert(Math.min(...spurtDelays) >= 150 + 100, `spurt at ${spurt + 1} s: delays ${spurtDelays.join(" ")}`);
  }
});

/** Plays frames sent every 20 ms and arriving after `delayMs(seq)`; returns the depth after each pop. */
function depthsAfterPops(
  frameCount: number,
  delayMs: (sequence: number) => number,
  buffer: JitterBuffer<number>,
): { depthsMs: number[]; slots: PlayoutSlot<number>[] } {
  const depthsMs: number[] = [];
  const slots: PlayoutSlot<number>[] = [];
  const arrivals = range(0, frameCount)
    .map((seq) => ({ seq, atMs: seq * FRAME_MS + delayMs(seq) }))
    .sort((a, b) => a.atMs - b.atMs);
  let next = 0;
  const endMs = arrivals.at(-1)!.atMs + 3 * FRAME_MS;
  for (let nowMs = 0; nowMs <= endMs; nowMs += FRAME_MS) {
    while (next < arrivals.length && arrivals[next]!.atMs <= nowMs) {
      const { seq, atMs } = arrivals[next++]!;
      buffer.push(seq, atMs, seq, seq * FRAME_MS + 1);
    }
    slots.push(buffer.pop());
    depthsMs.push(buffer.depthMs);
  }
  return { depthsMs, slots };
}

Deno.test("an underrun from one late frame adds depth for a second or two, not for the rest of the call", () => {
  const buffer = new JitterBuffer<number>();
  // Every frame 30 ms in transit, but frame 100 and the four after it 85 ms (a main-thread stall).
  const { depthsMs, slots } = depthsAfterPops(
    400,
    (seq) => (seq >= 100 && seq < 105 ? 85 - (seq - 100) * 11 : 30),
    buffer,
  );
  const before = depthsMs.slice(50, 100);
  assert(Math.max(...before) <= 20, `depth before the stall ${Math.max(...before)} ms`);
  assert(Math.max(...depthsMs.slice(105, 120)) >= 40, "the stall deepened the buffer");
  const settled = depthsMs.slice(250, 390);
  assert(Math.max(...settled) <= 20, `depth two seconds after the stall: up to ${Math.max(...settled)} ms`);
  const frames = played(slots);
  assert(frames.length >= 397, `played ${frames.length} of 400`);
  assertEquals(buffer.stats().framesDiscarded, 400 - frames.length);
});

Deno.test("frames that arrive in pairs play without discards or underruns", () => {
  const buffer = new JitterBuffer<number>();
  // Two frames every 40 ms (a sender or a decoder that delivers in pairs).
  const { slots } = depthsAfterPops(400, (seq) => 30 + (seq % 2 === 0 ? 20 : 0), buffer);
  const frames = played(slots);
  assertEquals(frames, range(0, 400));
  assertEquals(buffer.stats().framesDiscarded, 0);
  const lastFrameSlot = slots.findLastIndex((slot) => slot.kind === "frame");
  assertEquals(concealed(slots, 0, lastFrameSlot), 0);
});
