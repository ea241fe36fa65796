/**
 * End-to-end: a hostile participant relays garbage to a real Chromium page (issue 8, item 4).
 *
 * An honest Chromium page publishes its fake camera and microphone; a second Chromium page watches.
 * An attacker (a bare WebSocket from Deno, so it can write any field) joins the same meeting and,
 * for tens of seconds, sends what a broken or malicious client could: random payloads flagged as
 * key frames and as deltas on video, random Opus, absurd sequence numbers and capture times, frames
 * near the 1 MiB packet limit, TrackStates of bogus tracks, codec flips, unknown
 * media kinds, a second video track, and a real VP8 key frame followed by garbage deltas. Then it
 * turns honest and sends a real VP8 stream (encoded by ffmpeg), which its tile must show.
 *
 * The watching page must stay in the call with no page errors, keep decoding the honest peer's
 * video (its frame count rises in every window, its tile is not black) and keep playing its audio.
 */
import { ok } from "node:assert/strict";
import { Codec, encodePacket, MediaKind, type PacketInit, type TrackInfo } from "@videocall/protocol";
import type { Browser, Page } from "playwright-core";
import { IvfReader } from "../../packages/cli/src/ivf-reader.ts";
import { OggOpusReader } from "../../packages/cli/src/ogg-opus-reader.ts";
import { encodeWithFfmpeg } from "../../packages/cli/src/test-media.ts";
import { isVpxKeyframe } from "../../packages/cli/src/vpx-bitstream.ts";
import { join, launchBrowser, type MeetingPage, openMeetingPage } from "../fixtures/browser.ts";
import { AUDIBLE_RMS, waitForAudio, waitForVideo } from "../fixtures/media-expectations.ts";
import { openRawSocket, type RawSocket } from "../fixtures/raw-socket.ts";
import { metricValue, startServer } from "../fixtures/server.ts";

const TEST_OPTIONS = { sanitizeOps: false, sanitizeResources: false } as const;
const TEST_TIMEOUT_MS = 240_000;
const MEETING = "hostile";
const ATTACK_MS = 20_000;
const RECOVERY_MS = 9000;
/**
 * The watcher is judged in windows: in each, it must decode some of the honest peer's video (no
 * freeze), and over a phase at least MIN_DECODED_SHARE of the video frames and of the audio packets
 * the honest page sent. A share, not a rate: on a loaded machine the honest page itself may encode
 * only a few frames a second. Its audio must also be audible somewhere in each phase (the fake
 * microphone beeps, it does not hum).
 */
const WINDOW_MS = 3000;
const MIN_DECODED_SHARE = 0.5;
/** Mean luma (0-255) above which a tile is not black; a black or blank canvas reads ≈ 0. */
const NOT_BLACK_LUMA = 24;
/** The largest payload that still fits the relay's 1 MiB packet with the Media header around it. */
const HUGE_PAYLOAD_BYTES = 1024 * 1024 - 64;

const ATTACKER_AUDIO_TRACK = 1;
const ATTACKER_VIDEO_TRACK = 2;
/** A second video track the attacker interleaves with the first. */
const ATTACKER_EXTRA_TRACK = 3;

for (const transport of ["webtransport", "websocket"] as const) {
  Deno.test(
    `garbage relayed from a peer leaves a real Chromium page in the call, still decoding the honest peer's video (${transport})`,
    TEST_OPTIONS,
    () => hostilePeerCall(transport),
  );
}

/** The whole scenario, with the watching page on `transport` (the honest page and the attacker as they like). */
async function hostilePeerCall(transport: "webtransport" | "websocket"): Promise<void> {
  const clips = await encodeClips();
  const server = await startServer();
  const browsers: Browser[] = [];
  let attacker: Attacker | undefined;
  let ending = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`test timed out after ${TEST_TIMEOUT_MS} ms`)),
      TEST_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([
      (async () => {
        for (let i = 0; i < 2; i++) browsers.push(await launchBrowser());
        const honest = await openMeetingPage(browsers[0]!, server.url, "honest", MEETING);
        const watcher = await openMeetingPage(browsers[1]!, server.url, "watcher", MEETING, { transport });
        for (const [name, page] of [
          ["honest", honest],
          ["watcher", watcher],
        ] as const) {
          page.page.on("crash", () => page.errors.push(`pageerror: the ${name} page crashed`));
          page.page.on("close", () => {
            if (!ending) page.errors.push(`pageerror: the ${name} page closed during the test`);
          });
        }
        const honestId = await join(honest.page);
        await join(watcher.page);
        await waitForVideo(watcher.page, honestId);
        await waitForAudio(watcher.page, honestId);

        attacker = await Attacker.join(server.url, "mallory");
        const before = await watchWindows(watcher, honest, honestId, 2 * WINDOW_MS);
        const metricsBefore = await server.metrics();

        // The attack: the watcher is sampled while it runs.
        const attack = attacker.attack(ATTACK_MS, clips.vp8);
        const during = await watchWindows(watcher, honest, honestId, ATTACK_MS);
        const sent = await attack;
        const keyframeRequestsDuringAttack = attacker.keyframeRequests;
        const metricsAfter = await server.metrics();

        // The attacker turns honest: a real VP8 stream its tile must show.
        const attackerId = attacker.sessionId;
        const framesBefore = (await peerStats(watcher.page, attackerId))?.videoFramesDecoded ?? 0;
        const recovery = attacker.sendClips(clips, RECOVERY_MS);
        const after = await watchWindows(watcher, honest, honestId, RECOVERY_MS, attackerId);
        await recovery;
        const attackerNow = await peerStats(watcher.page, attacker.sessionId);
        const attackerFrames = (attackerNow?.videoFramesDecoded ?? 0) - framesBefore;
        // Its real stream is on its video track; its other tracks (garbage) have tiles of their own.
        const attackerLuma = await tileLuma(watcher.page, attacker.sessionId, ATTACKER_VIDEO_TRACK);
        // The second half of the honest phase: the jitter buffer has had time to start over.
        const attackerRms = Math.max(...after.slice(after.length / 2).map((w) => w.otherRms));

        const describe = (name: string, windows: Window[]) => {
          const decoded = windows.reduce((total, w) => total + w.frames, 0);
          const encoded = windows.reduce((total, w) => total + w.encoded, 0);
          const seconds = (windows.length * WINDOW_MS) / 1000;
          return (
            `${name}: ${(decoded / seconds).toFixed(1)} fps decoded of ${(encoded / seconds).toFixed(1)} ` +
            `encoded (per ${WINDOW_MS} ms: ${windows.map((w) => `${w.frames}/${w.encoded}`).join(" ")})`
          );
        };
        const delta = (name: string, labels: Record<string, string> = {}) =>
          metricValue(metricsAfter, name, labels) - metricValue(metricsBefore, name, labels);
        console.log(
          [
            `honest peer's video at the watcher (over ${await watcher.page.evaluate(() => window.videocall.transport)})`,
            describe("  before the attack", before),
            describe("  during the attack", during),
            describe("  after the attack ", after),
            `  audio packets decoded/sent per ${WINDOW_MS} ms: ${[...during, ...after]
              .map((w) => `${w.audioDecoded}/${w.audioSent}`)
              .join(" ")}`,
            `  audio RMS (max per ${WINDOW_MS} ms): ${[...during, ...after].map((w) => w.rms.toFixed(3)).join(" ")}`,
            `  tile luma: ${[...during, ...after].map((w) => w.luma.toFixed(0)).join(" ")}`,
            `attacker sent ${sent.packets} packets (${(sent.bytes / 1e6).toFixed(1)} MB: ${sent.hugeFrames} ` +
              `near 1 MiB, ${sent.trackStates} bogus TrackStates, ${sent.codecFlips} codec flips); ` +
              `${attacker.rejoins} rejoins (${attacker.closes.join("; ") || "never closed"}); ` +
              `it was asked for ${keyframeRequestsDuringAttack} key frames`,
            `relay during the attack: ${delta("videocall_packets_dropped_total", { reason: "queue_full" })} ` +
              `dropped (queue full), ${delta("videocall_packets_dropped_total", { reason: "awaiting_keyframe" })} ` +
              `dropped awaiting a key frame, ${delta("videocall_keyframe_requests_total")} key frame requests`,
            `attacker's tile after it turned honest: ${attackerFrames} frames decoded, luma ` +
              `${attackerLuma.toFixed(0)}; its audio RMS per ${WINDOW_MS} ms: ` +
              `${after.map((w) => w.otherRms.toFixed(3)).join(" ")}`,
          ].join("\n"),
        );

        ok(
          (await watcher.page.evaluate(() => window.videocall.transport)) === transport,
          `the watcher receives over ${transport}`,
        );
        const states = [...during, ...after].map((w) => w.state);
        ok(
          states.every((state) => state === "joined"),
          `the watcher stayed in the call: ${states.join(" ")}`,
        );
        for (const [index, window] of [...during, ...after].entries()) {
          // A window in which the honest page sent video must show some of it (a machine this
          // loaded sometimes starves the honest page itself for seconds).
          ok(
            window.frames > 0 || window.encoded < 5,
            `window ${index}: no honest frame decoded in ${WINDOW_MS} ms (${window.encoded} sent)`,
          );
          ok(window.luma > NOT_BLACK_LUMA, `window ${index}: the honest tile is black (luma ${window.luma})`);
        }
        for (const [name, windows] of [
          ["during", during],
          ["after", after],
        ] as const) {
          const total = (field: "frames" | "encoded" | "audioDecoded" | "audioSent") =>
            windows.reduce((sum, w) => sum + w[field], 0);
          ok(
            total("frames") >= MIN_DECODED_SHARE * total("encoded"),
            `${name} the attack the watcher decoded ${total("frames")} of the ${total("encoded")} ` +
              "video frames the honest peer encoded",
          );
          ok(
            total("audioDecoded") >= MIN_DECODED_SHARE * total("audioSent"),
            `${name} the attack the watcher decoded ${total("audioDecoded")} of the ${total("audioSent")} ` +
              "audio packets the honest peer sent",
          );
          const loudest = Math.max(...windows.map((w) => w.rms));
          ok(loudest > AUDIBLE_RMS, `${name} the attack the honest peer is not heard (RMS ${loudest})`);
        }
        ok(keyframeRequestsDuringAttack > 0, "the watcher asked the attacker for key frames");
        ok(attackerFrames > 30, `the attacker's real stream decoded only ${attackerFrames} frames`);
        ok(attackerLuma > NOT_BLACK_LUMA, `the attacker's tile is black after it turned honest`);
        ok(attackerRms > AUDIBLE_RMS, `the attacker's real audio is not heard (RMS ${attackerRms})`);
        ok(
          await watcher.page
            .locator(
              `.tile.remote[data-session-id="${attacker.sessionId}"][data-track-id="${ATTACKER_VIDEO_TRACK}"]`,
            )
            .isVisible(),
          "the attacker's tile is on screen",
        );
        const pageErrors = [...watcher.errors, ...honest.errors].filter((e) => e.startsWith("pageerror"));
        ok(pageErrors.length === 0, pageErrors.join("\n"));
        ok(
          (await peerStats(honest.page, attacker.sessionId)) !== undefined,
          "the honest page is still in the call with the attacker",
        );
        if (watcher.errors.length > 0) console.log(`watcher console:\n${watcher.errors.join("\n")}`);
      })(),
      timeout,
    ]);
  } finally {
    ending = true;
    clearTimeout(timer);
    attacker?.close();
    await Promise.race([
      Promise.allSettled(browsers.map((browser) => browser.close())),
      new Promise((resolve) => setTimeout(resolve, 10_000)),
    ]);
    await server.stop();
  }
}

interface Window {
  frames: number;
  /** Frames the honest page encoded in this window. */
  encoded: number;
  /** Audio packets of the honest peer the watcher decoded, and that the honest page sent. */
  audioDecoded: number;
  audioSent: number;
  /** Max audio RMS of the honest peer seen in this window. */
  rms: number;
  /** The same for the peer `otherId`, if one was given. */
  otherRms: number;
  /** Mean luma of the honest tile, sampled at the window's end. */
  luma: number;
  state: string;
}

/** Samples the watcher every 250 ms for `durationMs`, in windows of WINDOW_MS. */
async function watchWindows(
  watcher: MeetingPage,
  honest: MeetingPage,
  honestId: number,
  durationMs: number,
  otherId?: number,
): Promise<Window[]> {
  const windows: Window[] = [];
  for (let elapsed = 0; elapsed < durationMs; elapsed += WINDOW_MS) {
    let rms = 0;
    let otherRms = 0;
    const sentBefore = await sentBy(honest.page);
    const seenBefore = await peerStats(watcher.page, honestId);
    const endAt = performance.now() + WINDOW_MS;
    while (performance.now() < endAt) {
      rms = Math.max(rms, (await peerStats(watcher.page, honestId))?.audioRms ?? 0);
      if (otherId !== undefined) {
        otherRms = Math.max(otherRms, (await peerStats(watcher.page, otherId))?.audioRms ?? 0);
      }
      await sleep(Math.min(250, Math.max(0, endAt - performance.now())));
    }
    const sentAfter = await sentBy(honest.page);
    const seenAfter = await peerStats(watcher.page, honestId);
    windows.push({
      frames: (seenAfter?.videoFramesDecoded ?? 0) - (seenBefore?.videoFramesDecoded ?? 0),
      encoded: sentAfter.video - sentBefore.video,
      audioDecoded: (seenAfter?.audioFramesDecoded ?? 0) - (seenBefore?.audioFramesDecoded ?? 0),
      audioSent: sentAfter.audio - sentBefore.audio,
      rms,
      otherRms,
      luma: await tileLuma(watcher.page, honestId),
      state: await watcher.page.evaluate(() => window.videocall.state),
    });
  }
  return windows;
}

/** What a page has sent so far: camera frames encoded, microphone packets sent. */
async function sentBy(page: Page): Promise<{ video: number; audio: number }> {
  return await page.evaluate(() => {
    const local = window.videocall.local();
    return { video: local.cameraFramesEncoded ?? 0, audio: local.microphoneFramesSent ?? 0 };
  });
}

async function peerStats(page: Page, sessionId: number) {
  return await page.evaluate((id) => window.videocall.peers()[id], sessionId);
}

/**
 * Mean luma of a peer's tile as the page shows it: its canvas (whose pixels live in the decoder
 * worker's OffscreenCanvas) drawn into a small canvas and read back. 0 when there is no canvas.
 */
async function tileLuma(page: Page, sessionId: number, trackId?: number): Promise<number> {
  return await page.evaluate(
    ([id, track]) => {
      const trackSelector = track === undefined ? "" : `[data-track-id="${track}"]`;
      const source = document.querySelector<HTMLCanvasElement>(
        `.tile.remote[data-session-id="${id}"]${trackSelector} canvas`,
      );
      if (!source || source.width === 0 || source.height === 0) return 0;
      const probe = document.createElement("canvas");
      probe.width = 64;
      probe.height = 36;
      const context = probe.getContext("2d", { willReadFrequently: true });
      if (!context) return 0;
      context.drawImage(source, 0, 0, probe.width, probe.height);
      const { data } = context.getImageData(0, 0, probe.width, probe.height);
      let sum = 0;
      for (let i = 0; i < data.length; i += 4)
        sum += 0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]!;
      return sum / (data.length / 4);
    },
    [sessionId, trackId] as const,
  );
}

interface Vp8Frame {
  keyframe: boolean;
  payload: Uint8Array;
}

interface Clips {
  vp8: Vp8Frame[];
  /** 20 ms Opus packets of a 440 Hz tone. */
  opus: Uint8Array[];
}

/** Real media for the attacker's honest phase, made by ffmpeg as the CLI makes it. */
async function encodeClips(): Promise<Clips> {
  const ogg = await encodeWithFfmpeg([
    ...["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "8"],
    ...["-ac", "1", "-c:a", "libopus", "-b:a", "32k", "-frame_duration", "20", "-application", "lowdelay"],
    ...["-f", "ogg"],
  ]);
  return { vp8: await encodeVp8Clip(), opus: new OggOpusReader().push(ogg) };
}

/** A real VP8 stream: ffmpeg's moving test pattern, 320×240 at 15 fps, a key frame every second. */
async function encodeVp8Clip(): Promise<Vp8Frame[]> {
  const ivf = await encodeWithFfmpeg([
    ...["-f", "lavfi", "-i", "testsrc=size=320x240:rate=15", "-t", "8"],
    ...["-c:v", "libvpx", "-threads", "1", "-deadline", "realtime", "-cpu-used", "8", "-g", "15"],
    ...["-b:v", "400k", "-f", "ivf"],
  ]);
  const frames = new IvfReader().push(ivf);
  return frames.map((frame) => ({ keyframe: isVpxKeyframe("vp8", frame.payload), payload: frame.payload }));
}

/** A seeded generator (LCG), so a failing run can be replayed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function randomBytes(random: () => number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (random() * 256) | 0;
  return bytes;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface AttackFigures {
  packets: number;
  bytes: number;
  hugeFrames: number;
  trackStates: number;
  codecFlips: number;
}

/**
 * A participant that writes Packets by hand. If the relay closes it (a future limit may refuse what
 * it sends), it joins again under a new session id and carries on: the page is what is tested.
 */
class Attacker {
  closes: string[] = [];
  rejoins = 0;
  /** Key frame requests receivers sent it (through the relay): what a failed decode asks for. */
  keyframeRequests = 0;
  #raw: RawSocket;
  #pinger: ReturnType<typeof setInterval>;
  #serverUrl: string;
  #username: string;
  #sequence = new Map<number, number>();
  #closed = false;

  private constructor(raw: RawSocket, serverUrl: string, username: string) {
    this.#raw = raw;
    this.#serverUrl = serverUrl;
    this.#username = username;
    this.#pinger = setInterval(
      () => this.send({ body: { case: "ping", value: { nonce: 1, sentTimeUs: 0n } } }),
      1000,
    );
    this.#watch(raw);
  }

  static async join(serverUrl: string, username: string): Promise<Attacker> {
    return new Attacker(await Attacker.#open(serverUrl, username), serverUrl, username);
  }

  static async #open(serverUrl: string, username: string): Promise<RawSocket> {
    const raw = await openRawSocket(serverUrl, username, MEETING);
    const deadline = performance.now() + 10_000;
    while (raw.received[0]?.body.case !== "welcome") {
      if (performance.now() > deadline) throw new Error("the attacker got no Welcome");
      await sleep(20);
    }
    return raw;
  }

  get sessionId(): number {
    const first = this.#raw.received[0]?.body;
    return first?.case === "welcome" ? first.value.sessionId : 0;
  }

  send(packet: PacketInit): number {
    const bytes = encodePacket(packet);
    if (this.#raw.socket.readyState === WebSocket.OPEN) this.#raw.socket.send(bytes);
    // Keep only the Welcome: the attacker reads nothing else, except to count key frame requests.
    for (const packet of this.#raw.received.slice(1)) {
      if (packet.body.case === "keyframeRequest") this.keyframeRequests++;
    }
    this.#raw.received.length = Math.min(this.#raw.received.length, 1);
    return bytes.length;
  }

  media(
    trackId: number,
    fields: {
      kind: MediaKind;
      codec: Codec;
      keyframe: boolean;
      payload: Uint8Array;
      sequence?: number;
      captureTimeUs?: bigint;
    },
  ): number {
    const sequence = fields.sequence ?? ((this.#sequence.get(trackId) ?? 0) + 1) >>> 0;
    this.#sequence.set(trackId, sequence);
    return this.send({
      body: {
        case: "media",
        value: {
          trackId,
          kind: fields.kind,
          codec: fields.codec,
          keyframe: fields.keyframe,
          sequence,
          captureTimeUs:
            fields.captureTimeUs ?? BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)),
          durationUs: 0,
          payload: fields.payload,
        },
      },
    });
  }

  trackState(tracks: Array<Omit<TrackInfo, "$typeName">>): number {
    return this.send({ body: { case: "trackState", value: { tracks } } });
  }

  /** Sends garbage of every kind for `durationMs`, about 30 ticks a second. */
  async attack(durationMs: number, clip: Vp8Frame[]): Promise<AttackFigures> {
    const random = seededRandom(8);
    const figures: AttackFigures = { packets: 0, bytes: 0, hugeFrames: 0, trackStates: 0, codecFlips: 0 };
    const count = (bytes: number) => {
      figures.packets++;
      figures.bytes += bytes;
    };
    const absurdTimes = [0n, 2n ** 53n, 2n ** 64n - 1n, 1n, 2n ** 63n, 10n ** 15n];
    const absurdSequences = [2 ** 31, 0, 2 ** 32 - 1, 7, 2 ** 31 + 3];
    const codecs = [Codec.VP8, Codec.VP9, Codec.H264, Codec.AV1, 99 as Codec, Codec.OPUS, Codec.UNSPECIFIED];
    const key = clip.find((frame) => frame.keyframe)!;
    const endAt = performance.now() + durationMs;
    for (let tick = 0; performance.now() < endAt; tick++) {
      const video = (
        fields: {
          codec?: Codec;
          keyframe?: boolean;
          payload?: Uint8Array;
          sequence?: number;
          captureTimeUs?: bigint;
        },
        trackId = ATTACKER_VIDEO_TRACK,
      ) =>
        count(
          this.media(trackId, {
            kind: MediaKind.VIDEO,
            codec: fields.codec ?? Codec.VP8,
            keyframe: fields.keyframe ?? random() < 0.3,
            payload: fields.payload ?? randomBytes(random, 200 + ((random() * 4000) | 0)),
            ...(fields.sequence !== undefined ? { sequence: fields.sequence } : {}),
            ...(fields.captureTimeUs !== undefined ? { captureTimeUs: fields.captureTimeUs } : {}),
          }),
        );
      // Garbage video, key frames and deltas, with absurd sequence numbers and capture times now and then.
      video({
        ...(tick % 7 === 0 ? { sequence: absurdSequences[tick % absurdSequences.length]! } : {}),
        ...(tick % 5 === 0 ? { captureTimeUs: absurdTimes[tick % absurdTimes.length]! } : {}),
      });
      // Garbage Opus, and now and then an absurd sequence number for it too.
      count(
        this.media(ATTACKER_AUDIO_TRACK, {
          kind: MediaKind.AUDIO,
          codec: Codec.OPUS,
          keyframe: true,
          payload: randomBytes(random, 1 + ((random() * 300) | 0)),
          ...(tick % 11 === 0 ? { sequence: absurdSequences[tick % absurdSequences.length]! } : {}),
        }),
      );
      // Codec flips on the same track.
      if (tick % 9 === 0) {
        figures.codecFlips++;
        video({ codec: codecs[(tick / 9) % codecs.length]!, keyframe: true });
      }
      // A second video track interleaved, a screen track (its own tile and decoder), and a kind nobody plays.
      if (tick % 4 === 0) video({}, ATTACKER_EXTRA_TRACK);
      if (tick % 13 === 0) {
        for (const kind of [MediaKind.SCREEN, 42 as MediaKind]) {
          count(this.media(5, { kind, codec: Codec.VP8, keyframe: true, payload: randomBytes(random, 500) }));
        }
      }
      // A real key frame, then garbage deltas in sequence: a decoder that started must fail cleanly.
      if (tick % 45 === 0) video({ keyframe: true, payload: key.payload });
      // A frame near the packet limit every two seconds (staying under a 2.5 MB/s budget).
      if (tick % 60 === 30) {
        figures.hugeFrames++;
        video({ keyframe: true, payload: randomBytes(random, HUGE_PAYLOAD_BYTES) });
      }
      // A TrackState as hostile as the relay lets through (it refuses more than 16 tracks or
      // duplicate ids; the client's unit tests cover those): unknown kinds and codecs, video
      // tracks in codecs nobody decodes, mute flags flipping.
      if (tick % 150 === 10) {
        figures.trackStates++;
        const tracks = Array.from({ length: 16 }, (_, i) => ({
          trackId: i === 0 ? ATTACKER_VIDEO_TRACK : 1000 + i * 4001,
          kind: ((i + tick) % 6) as MediaKind,
          codec: ((i * 5 + tick) % 9) as Codec,
          muted: (i + tick) % 2 === 0,
          layers: [],
          audioLevels: (i + tick) % 3 === 0,
        }));
        count(this.trackState(tracks));
      }
      await sleep(33);
    }
    return figures;
  }

  /**
   * Turns honest in content, not in manner: announces a camera and a microphone and sends the real
   * clips (VP8 at 15 fps, Opus every 20 ms) for `durationMs`, looping, with sequence numbers going on
   * from wherever the attack left them, capture times beyond 2^63 µs, and garbage delta frames
   * still interleaved on a second video track.
   */
  async sendClips(clips: Clips, durationMs: number): Promise<void> {
    this.trackState([
      {
        trackId: ATTACKER_AUDIO_TRACK,
        kind: MediaKind.AUDIO,
        codec: Codec.OPUS,
        muted: false,
        layers: [],
        audioLevels: false,
      },
      {
        trackId: ATTACKER_VIDEO_TRACK,
        kind: MediaKind.VIDEO,
        codec: Codec.VP8,
        muted: false,
        layers: [],
        audioLevels: false,
      },
    ]);
    const random = seededRandom(9);
    const startMs = performance.now();
    let audioSent = 0;
    let videoSent = 0;
    while (performance.now() - startMs < durationMs) {
      const elapsedMs = performance.now() - startMs;
      // Catch up after a stall (a loaded machine), as a real sender's queue would.
      for (; audioSent < elapsedMs / 20; audioSent++) {
        this.media(ATTACKER_AUDIO_TRACK, {
          kind: MediaKind.AUDIO,
          codec: Codec.OPUS,
          keyframe: true,
          payload: clips.opus[audioSent % clips.opus.length]!,
        });
      }
      for (; videoSent < (elapsedMs * 15) / 1000; videoSent++) {
        const frame = clips.vp8[videoSent % clips.vp8.length]!;
        this.media(ATTACKER_VIDEO_TRACK, {
          kind: MediaKind.VIDEO,
          codec: Codec.VP8,
          keyframe: frame.keyframe,
          payload: frame.payload,
          captureTimeUs: 2n ** 63n + BigInt(videoSent) * 66_667n,
        });
        this.media(ATTACKER_EXTRA_TRACK, {
          kind: MediaKind.VIDEO,
          codec: Codec.VP8,
          keyframe: false,
          payload: randomBytes(random, 1000),
        });
      }
      await sleep(10);
    }
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#pinger);
    try {
      this.#raw.socket.close();
    } catch {
      // already closed
    }
  }

  #watch(raw: RawSocket): void {
    raw.closed.then(async ({ code, reason }) => {
      if (this.#closed) return;
      this.closes.push(`${code} ${reason}`);
      this.rejoins++;
      this.#raw = await Attacker.#open(this.#serverUrl, this.#username);
      this.#watch(this.#raw);
    });
  }
}
