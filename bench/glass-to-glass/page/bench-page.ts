/**
 * bench.html: one side of the glass-to-glass benchmark (bench/glass-to-glass), driven through
 * `window.bench`. It uses the real client library, so our call is measured exactly as the app
 * runs it: canvas track → CameraPublisher (worker VP8 encoder) → server → MeetingWatcher →
 * decoder worker → the peer's canvas. The WebRTC anchor sends the same canvas track through a
 * plain RTCPeerConnection to a `<video>` element.
 *
 * With audio, once `startFlashing` is called, the sender's noise beeps once a second at the
 * instant a frame with a white patch in its top-left corner (the flash, outside the barcode) is
 * captured, and the receiver records each flash onset it renders and each beep onset it plays:
 * the A/V skew, as test/e2e/av-sync.test.ts measures it (its probe: test/fixtures/av-probe).
 */
import { joinMeeting, type MeetingSession, storageTransportMemory } from "@videocall/client";
import {
  AudioOutput,
  CameraPublisher,
  type CameraPublisherStats,
  MeetingWatcher,
  MicrophonePublisher,
  type PeerStats,
  type RemotePeer,
} from "@videocall/client/media";
import { MediaKind } from "@videocall/protocol";
import { OnsetDetector } from "../../../test/fixtures/av-probe/flash-beep.ts";
import {
  BEEP_HZ,
  BeepTap,
  type HeardBeeps,
  onFlashCaptured,
  TrackBeepTap,
} from "../../../test/fixtures/av-probe/page/beep-tap.ts";
import type {
  AudioCounters,
  BenchApi,
  CallTarget,
  FlashBeepOnsets,
  ReceiverWindow,
  SenderStats,
} from "../bench-api.ts";
import {
  BARCODE_AREA,
  BARCODE_COLUMNS,
  BARCODE_ROWS,
  barcodeBit,
  decodeBarcode,
  encodeBarcode,
} from "./barcode.ts";

const FRAME_WIDTH = 640;
const FRAME_HEIGHT = 480;
const CAPTURE_FPS = 30;
/** Read-back resolution of one barcode block; only its centre is sampled (edges blur in the codec). */
const READ_BLOCK_PX = 16;
const WEBRTC_MAX_BITRATE_BPS = 1_000_000;
/** The flash: a white patch over the frame's top-left quarter (width and height), clear of the barcode. */
const FLASH_AREA = { x: 0, y: 0, width: 0.25, height: 0.25 } as const;
const FLASH_PERIOD_MS = 1000;
const FLASH_MS = 200;
/** About as loud as the noise (its peaks: 0.1): a beep much louder than it makes Opus's DTX cut the noise. */
const BEEP_GAIN = 0.15;

/** When this module started running, ms after the page's navigation start: the join's page-and-script share. */
const SCRIPT_STARTED_MS = performance.now();

const wallClockMs = (): number => performance.timeOrigin + performance.now();

/**
 * A steady sound as a microphone track: white noise, which Opus's voice activity detection takes
 * for sound (a pure tone reads as silence, and DTX then sends only a few frames a second), and on
 * request a soft 1 kHz beep over it (beep-tap.ts finds the tone; a loud one had DTX stop sending
 * the noise after each beep).
 */
class NoiseSource {
  readonly track: MediaStreamTrack;
  #context: AudioContext;
  #beepGain: GainNode;

  private constructor(context: AudioContext) {
    this.#context = context;
    const destination = context.createMediaStreamDestination();
    const noise = context.createBuffer(1, context.sampleRate, context.sampleRate);
    const samples = noise.getChannelData(0);
    for (let i = 0; i < samples.length; i++) samples[i] = Math.random() * 2 - 1;
    const source = context.createBufferSource();
    source.buffer = noise;
    source.loop = true;
    const gain = context.createGain();
    gain.gain.value = 0.1;
    source.connect(gain).connect(destination);
    source.start();
    const beep = context.createOscillator();
    beep.frequency.value = BEEP_HZ;
    this.#beepGain = context.createGain();
    this.#beepGain.gain.value = 0;
    beep.connect(this.#beepGain).connect(destination);
    beep.start();
    const track = destination.stream.getAudioTracks()[0];
    if (!track) throw new Error("no noise track");
    this.track = track;
  }

  /** A context may start suspended (no user gesture): the noise flows only once it runs. */
  static async start(): Promise<NoiseSource> {
    const context = new AudioContext({ sampleRate: 48_000 });
    await context.resume();
    return new NoiseSource(context);
  }

  beep(durationMs: number): void {
    const gain = this.#beepGain.gain;
    gain.setValueAtTime(BEEP_GAIN, this.#context.currentTime);
    gain.setValueAtTime(0, this.#context.currentTime + durationMs / 1000);
  }

  async stop(): Promise<void> {
    this.track.stop();
    await this.#context.close();
  }
}

/** Draws the barcode with the current time on every animation frame; its track captures at 30 fps. */
class BarcodeSource {
  readonly track: MediaStreamTrack;
  framesDrawn = 0;
  #canvas = document.createElement("canvas");
  #context: CanvasRenderingContext2D;
  #frameRequest = 0;
  #flashTimer: ReturnType<typeof setInterval> | undefined;
  #flashUntilMs = 0;

  constructor() {
    this.#canvas.width = FRAME_WIDTH;
    this.#canvas.height = FRAME_HEIGHT;
    const context = this.#canvas.getContext("2d");
    if (!context) throw new Error("no 2D context");
    this.#context = context;
    document.body.append(this.#canvas);
    this.#draw();
    const track = this.#canvas.captureStream(CAPTURE_FPS).getVideoTracks()[0];
    if (!track) throw new Error("canvas.captureStream gave no video track");
    this.track = track;
  }

  /** Flashes once every FLASH_PERIOD_MS; `onFlashCaptured` as each flash's first frame reaches the capture API. */
  startFlashing(onFlashCaptured: () => void): void {
    this.#flashTimer = setInterval(() => {
      this.#flashUntilMs = wallClockMs() + FLASH_MS;
    }, FLASH_PERIOD_MS);
    void flashCaptures(this.track, onFlashCaptured);
  }

  stop(): void {
    cancelAnimationFrame(this.#frameRequest);
    clearInterval(this.#flashTimer);
    this.track.stop();
  }

  #draw = (): void => {
    const bits = encodeBarcode({ timeMs: wallClockMs(), counter: this.framesDrawn });
    const context = this.#context;
    context.fillStyle = "#000";
    context.fillRect(0, 0, FRAME_WIDTH, FRAME_HEIGHT);
    if (wallClockMs() < this.#flashUntilMs) {
      context.fillStyle = "#fff";
      context.fillRect(
        FLASH_AREA.x * FRAME_WIDTH,
        FLASH_AREA.y * FRAME_HEIGHT,
        FLASH_AREA.width * FRAME_WIDTH,
        FLASH_AREA.height * FRAME_HEIGHT,
      );
    }
    const left = BARCODE_AREA.x * FRAME_WIDTH;
    const top = BARCODE_AREA.y * FRAME_HEIGHT;
    const blockWidth = (BARCODE_AREA.width * FRAME_WIDTH) / BARCODE_COLUMNS;
    const blockHeight = (BARCODE_AREA.height * FRAME_HEIGHT) / BARCODE_ROWS;
    context.fillStyle = "#fff";
    for (let index = 0; index < BARCODE_COLUMNS * BARCODE_ROWS; index++) {
      if (!barcodeBit(bits, index)) continue;
      const column = index % BARCODE_COLUMNS;
      const row = Math.floor(index / BARCODE_COLUMNS);
      context.fillRect(left + column * blockWidth, top + row * blockHeight, blockWidth, blockHeight);
    }
    this.framesDrawn++;
    this.#frameRequest = requestAnimationFrame(this.#draw);
  };
}

/** The flash patch covers pixel (0, 0) of the frame scaled to 4×4. */
function flashCaptures(track: MediaStreamTrack, onFlash: () => void): Promise<void> {
  const clone = track.clone();
  return onFlashCaptured(clone, { x: 0, y: 0 }, onFlash).finally(() => clone.stop());
}

interface RenderedSource {
  image: CanvasImageSource;
  width: number;
  height: number;
}

/** A part of the frame (fractions of its width and height) scaled onto `context` from its origin. */
function drawArea(
  context: CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D,
  source: RenderedSource,
  area: { x: number; y: number; width: number; height: number },
  width: number,
  height: number,
): void {
  context.drawImage(
    source.image,
    area.x * source.width,
    area.y * source.height,
    area.width * source.width,
    area.height * source.height,
    0,
    0,
    width,
    height,
  );
}

/** Luma (BT.601) of the RGBA pixel at byte `offset`. */
function lumaAt(pixels: Uint8ClampedArray, offset: number): number {
  return (
    0.299 * (pixels[offset] ?? 0) + 0.587 * (pixels[offset + 1] ?? 0) + 0.114 * (pixels[offset + 2] ?? 0)
  );
}

/**
 * Reads the barcode back from what the page renders, once per animation frame (what a screen
 * would show), and keeps the latency of each frame the first time it is seen.
 */
class BarcodeReader {
  firstFrameAfterMs: number | undefined;
  #source: () => RenderedSource | undefined;
  #canvas = document.createElement("canvas");
  #context: CanvasRenderingContext2D;
  #lumas = new Float64Array(BARCODE_COLUMNS * BARCODE_ROWS);
  #lastTimeMs = Number.NEGATIVE_INFINITY;
  #frameRequest = 0;
  #window: (Omit<ReceiverWindow, "windowMs"> & { startMs: number }) | undefined;
  #flashes = new OnsetDetector(60, 180, FLASH_PERIOD_MS / 2);
  #flashContext = new OffscreenCanvas(1, 1).getContext("2d", { willReadFrequently: true });
  /** Beep onsets this page heard, when it plays audio. */
  beeps: HeardBeeps | undefined;

  constructor(source: () => RenderedSource | undefined) {
    this.#source = source;
    this.#canvas.width = BARCODE_COLUMNS * READ_BLOCK_PX;
    this.#canvas.height = BARCODE_ROWS * READ_BLOCK_PX;
    const context = this.#canvas.getContext("2d", { willReadFrequently: true });
    if (!context) throw new Error("no 2D context");
    this.#context = context;
    this.#frameRequest = requestAnimationFrame(this.#read);
  }

  beginWindow(): void {
    this.#window = {
      startMs: wallClockMs(),
      latenciesMs: [],
      frameTimesMs: [],
      arrivalLatenciesMs: [],
      rejectedReads: 0,
      repeatedReads: 0,
    };
  }

  endWindow(): ReceiverWindow {
    const window = this.#window;
    if (!window) throw new Error("no window was begun");
    this.#window = undefined;
    return {
      latenciesMs: window.latenciesMs,
      frameTimesMs: window.frameTimesMs,
      arrivalLatenciesMs: window.arrivalLatenciesMs,
      windowMs: wallClockMs() - window.startMs,
      rejectedReads: window.rejectedReads,
      repeatedReads: window.repeatedReads,
    };
  }

  /** A video packet arrived; `captureTimeUs` is the sender's wall clock when its encoder took the frame. */
  packetArrived(captureTimeUs: number): void {
    this.#window?.arrivalLatenciesMs.push(wallClockMs() - captureTimeUs / 1000);
  }

  onsets(): FlashBeepOnsets {
    return { flashesSeenMs: [...this.#flashes.onsetsMs], beepsHeardMs: [...(this.beeps?.heardMs ?? [])] };
  }

  stop(): void {
    cancelAnimationFrame(this.#frameRequest);
  }

  #read = (): void => {
    this.#frameRequest = requestAnimationFrame(this.#read);
    const source = this.#source();
    if (!source || source.width === 0 || source.height === 0) return;
    const context = this.#context;
    const width = this.#canvas.width;
    const height = this.#canvas.height;
    drawArea(context, source, BARCODE_AREA, width, height);
    const nowMs = wallClockMs();
    this.#readFlash(source, nowMs);
    const pixels = context.getImageData(0, 0, width, height).data;
    // Mean luma of the centre half of each block.
    const margin = READ_BLOCK_PX / 4;
    for (let row = 0; row < BARCODE_ROWS; row++) {
      for (let column = 0; column < BARCODE_COLUMNS; column++) {
        let sum = 0;
        let count = 0;
        for (let y = row * READ_BLOCK_PX + margin; y < (row + 1) * READ_BLOCK_PX - margin; y++) {
          for (let x = column * READ_BLOCK_PX + margin; x < (column + 1) * READ_BLOCK_PX - margin; x++) {
            sum += lumaAt(pixels, (y * width + x) * 4);
            count++;
          }
        }
        this.#lumas[row * BARCODE_COLUMNS + column] = sum / count;
      }
    }
    const value = decodeBarcode(this.#lumas, nowMs);
    if (!value) {
      if (this.#window) this.#window.rejectedReads++;
      return;
    }
    if (value.timeMs <= this.#lastTimeMs) {
      if (this.#window) this.#window.repeatedReads++;
      return;
    }
    this.#lastTimeMs = value.timeMs;
    this.firstFrameAfterMs ??= performance.now();
    this.#window?.latenciesMs.push(nowMs - value.timeMs);
    this.#window?.frameTimesMs.push(nowMs);
  };

  /** Mean luma of the flash patch, through a 1×1 scale-down. */
  #readFlash(source: RenderedSource, nowMs: number): void {
    const context = this.#flashContext;
    if (!context) return;
    drawArea(context, source, FLASH_AREA, 1, 1);
    this.#flashes.sample(lumaAt(context.getImageData(0, 0, 1, 1).data, 0), nowMs);
  }
}

async function iceGatheringComplete(pc: RTCPeerConnection): Promise<string> {
  if (pc.iceGatheringState !== "complete") {
    await new Promise<void>((resolve) => {
      const check = () => {
        if (pc.iceGatheringState !== "complete") return;
        pc.removeEventListener("icegatheringstatechange", check);
        resolve();
      };
      pc.addEventListener("icegatheringstatechange", check);
    });
  }
  const sdp = pc.localDescription?.sdp;
  if (!sdp) throw new Error("no local description");
  return sdp;
}

/** The page's single role; `stop()` releases whatever it started. */
class BenchPage implements BenchApi {
  #barcode: BarcodeSource | undefined;
  #reader: BarcodeReader | undefined;
  #session: MeetingSession | undefined;
  #publisher: CameraPublisher | undefined;
  #watcher: MeetingWatcher | undefined;
  #pc: RTCPeerConnection | undefined;
  #connectMs: number | undefined;
  /** The late joiner's milestones, ms after navigation start (join time's breakdown). */
  #joinTimeline: Record<string, number> = { scriptStartedMs: SCRIPT_STARTED_MS };
  #noise: NoiseSource | undefined;
  #microphone: MicrophonePublisher | undefined;
  #audioOutput: AudioOutput | undefined;

  clockMs(): number {
    return wallClockMs();
  }

  firstFrameAfterMs(): number | undefined {
    return this.#reader?.firstFrameAfterMs;
  }

  async senderStats(): Promise<SenderStats> {
    const framesDrawn = this.#barcode?.framesDrawn ?? 0;
    if (this.#publisher) return { framesDrawn, framesEncoded: this.#publisher.stats().framesEncoded };
    let framesEncoded = 0;
    for (const report of (await this.#pc?.getStats())?.values() ?? []) {
      const stats = report as { type: string; kind?: string; framesEncoded?: number };
      if (stats.type === "outbound-rtp" && stats.kind === "video") framesEncoded += stats.framesEncoded ?? 0;
    }
    return { framesDrawn, framesEncoded };
  }

  async diagnostics(): Promise<Record<string, number | string | undefined>> {
    const peer = this.#watcher?.peers.values().next().value;
    return {
      ...(this.#pc ? await webRtcSenderFigures(this.#pc) : {}),
      framesDrawn: this.#barcode?.framesDrawn,
      // The per-layer list is not a figure: left out of the flat record; the adaptation, flattened.
      ...(this.#publisher ? publisherFigures(this.#publisher.stats()) : {}),
      ...this.#session?.stats(),
      bufferedBytes: this.#session?.bufferedBytes,
      audioFramesSent: this.#microphone?.framesSent,
      connectMs: this.#connectMs,
      ...this.#joinTimeline,
      ...(peer ? flatPeerStats(peer.stats()) : {}),
    };
  }

  async startCallSender(target: CallTarget): Promise<string> {
    this.#barcode = new BarcodeSource();
    this.#session = await this.#join(target);
    // One layer at the barcode's size, as before simulcast: the figures stay comparable across runs.
    this.#publisher = new CameraPublisher(this.#session, this.#barcode.track, {
      codec: "vp8",
      simulcast: false,
    });
    this.#publisher.onError = (message) => console.error(`camera publisher: ${message}`);
    if (target.audio) {
      this.#noise = await NoiseSource.start();
      this.#microphone = new MicrophonePublisher(this.#session, this.#noise.track);
    }
    return this.#session.transportKind;
  }

  async startCallReceiver(target: CallTarget): Promise<string> {
    let peer: RemotePeer | undefined;
    this.#reader = new BarcodeReader(() => {
      const video = peer?.videoTracks[0];
      if (!video) return undefined;
      // On screen like a call tile: the worker's frames reach this placeholder canvas.
      if (!video.canvas.isConnected) document.body.append(video.canvas);
      // The canvas's control lives in the decoder worker: its size is the decoded frame's.
      const stats = video.stats();
      return { image: video.canvas, width: stats.width, height: stats.height };
    });
    const joinStartedMs = performance.now();
    const timeline = this.#joinTimeline;
    timeline.joinStartedMs = joinStartedMs;
    this.#session = await this.#join(target);
    timeline.joinedMs = performance.now();
    // The transport's share of the join time (navigation start → first frame): joinMeeting alone.
    this.#connectMs = timeline.joinedMs - joinStartedMs;
    const reader = this.#reader;
    this.#session.events.on("media", (_from, media) => {
      if (media.kind !== MediaKind.VIDEO) return;
      timeline.firstVideoPacketMs ??= performance.now();
      if (media.keyframe && timeline.firstKeyframeMs === undefined) {
        timeline.firstKeyframeMs = performance.now();
        // Both pages run on one host: the sender's capture clock is this page's epoch clock.
        timeline.firstKeyframeCapturedMs = Number(media.captureTimeUs) / 1000 - performance.timeOrigin;
      }
      reader.packetArrived(Number(media.captureTimeUs));
    });
    if (target.audio) {
      this.#audioOutput = await AudioOutput.open();
      await this.#audioOutput.resume();
      const beeps = await BeepTap.open(this.#audioOutput.context);
      // The playout connects each peer's node to the speakers: those connections feed the tap too.
      beeps.tapEverythingPlayed();
      reader.beeps = beeps;
    }
    this.#watcher = new MeetingWatcher(this.#session, this.#audioOutput);
    this.#watcher.events.on("peerAdded", (added) => {
      peer ??= added;
    });
    this.#watcher.start();
    return this.#session.transportKind;
  }

  async createWebRtcOffer(audio = false): Promise<string> {
    this.#barcode = new BarcodeSource();
    const pc = new RTCPeerConnection();
    this.#pc = pc;
    // With audio, both tracks share a stream: WebRTC then lip-syncs them (one sync group), as ours does.
    const streams = audio ? [new MediaStream()] : [];
    if (audio) {
      this.#noise = await NoiseSource.start();
      pc.addTransceiver(this.#noise.track, { direction: "sendonly", streams });
    }
    const transceiver = pc.addTransceiver(this.#barcode.track, {
      direction: "sendonly",
      streams,
      sendEncodings: [{ maxBitrate: WEBRTC_MAX_BITRATE_BPS }],
    });
    // VP8 first, as our call sends: the anchor compares transports and pipelines, not codecs.
    const codecs = RTCRtpReceiver.getCapabilities("video")?.codecs ?? [];
    const isVp8 = (codec: RTCRtpCodec) => codec.mimeType.toLowerCase() === "video/vp8";
    transceiver.setCodecPreferences([...codecs.filter(isVp8), ...codecs.filter((codec) => !isVp8(codec))]);
    await pc.setLocalDescription();
    return await iceGatheringComplete(pc);
  }

  async acceptWebRtcAnswer(sdp: string): Promise<void> {
    if (!this.#pc) throw new Error("no offer was made");
    await this.#pc.setRemoteDescription({ type: "answer", sdp });
  }

  async answerWebRtcOffer(offer: string): Promise<string> {
    const video = document.createElement("video");
    video.muted = true;
    video.playsInline = true;
    video.autoplay = true;
    document.body.append(video);
    this.#reader = new BarcodeReader(() => ({
      image: video,
      width: video.videoWidth,
      height: video.videoHeight,
    }));
    const pc = new RTCPeerConnection();
    this.#pc = pc;
    const reader = this.#reader;
    pc.ontrack = (event) => {
      // The noise plays from an element of its own, unmuted, as our call's playout is.
      const element = event.track.kind === "audio" ? document.createElement("audio") : video;
      if (element !== video) document.body.append(element);
      element.srcObject = new MediaStream([event.track]);
      element.play().catch((error: unknown) => console.error(`${event.track.kind}.play: ${String(error)}`));
      if (event.track.kind === "audio") {
        this.#tapWebRtcAudio(event.track, reader).catch((error: unknown) =>
          console.error(`beep tap: ${String(error)}`),
        );
      }
    };
    await pc.setRemoteDescription({ type: "offer", sdp: offer });
    await pc.setLocalDescription();
    return await iceGatheringComplete(pc);
  }

  startFlashing(): void {
    const noise = this.#noise;
    if (!this.#barcode || !noise) throw new Error("flashes need a sender with audio");
    this.#barcode.startFlashing(() => noise.beep(FLASH_MS));
  }

  flashBeepOnsets(): FlashBeepOnsets {
    return this.#receiver().onsets();
  }

  async audioCounters(): Promise<AudioCounters> {
    const counters = { played: 0, concealed: 0 };
    if (this.#pc) {
      for (const report of (await this.#pc.getStats()).values()) {
        const stats = report as {
          type: string;
          kind?: string;
          totalSamplesReceived?: number;
          concealedSamples?: number;
        };
        if (stats.type !== "inbound-rtp" || stats.kind !== "audio") continue;
        counters.concealed += stats.concealedSamples ?? 0;
        counters.played += (stats.totalSamplesReceived ?? 0) - (stats.concealedSamples ?? 0);
      }
      return counters;
    }
    for (const peer of this.#watcher?.peers.values() ?? []) {
      for (const track of peer.stats().audioTracks) {
        counters.played += track.framesPlayed;
        counters.concealed += track.framesConcealed;
      }
    }
    return counters;
  }

  beginWindow(): void {
    this.#receiver().beginWindow();
  }

  endWindow(): ReceiverWindow {
    return this.#receiver().endWindow();
  }

  async stop(): Promise<void> {
    this.#reader?.stop();
    this.#publisher?.close();
    this.#watcher?.close();
    this.#pc?.close();
    this.#barcode?.stop();
    this.#microphone?.close();
    await this.#noise?.stop();
    await this.#session?.leave();
    await this.#audioOutput?.close();
  }

  /**
   * The element plays the sound; the track's own delivery times the beeps (TrackBeepTap), with the
   * output latency of an AudioContext on the same device. A WebAudio tap on the remote track was
   * tried first: its own buffering put the sound 60-150 ms after the picture, scattered by 300 ms.
   */
  async #tapWebRtcAudio(track: MediaStreamTrack, reader: BarcodeReader): Promise<void> {
    const context = new AudioContext({ sampleRate: 48_000, latencyHint: "interactive" });
    try {
      await context.resume(); // its output latency reads 0 until it runs
      reader.beeps = new TrackBeepTap(track, (context.baseLatency + context.outputLatency) * 1000);
    } finally {
      await context.close();
    }
  }

  #receiver(): BarcodeReader {
    if (!this.#reader) throw new Error("this page is not a receiver");
    return this.#reader;
  }

  async #join(target: CallTarget): Promise<MeetingSession> {
    const session = await joinMeeting({
      serverUrl: target.serverUrl,
      username: target.username,
      meetingId: target.meetingId,
      transport: target.auto ? "auto" : target.mode,
      // As the app does: the transport that joined last is remembered in localStorage.
      ...(target.auto ? { transportMemory: storageTransportMemory(localStorage) } : {}),
      reconnect: false,
      ...(target.e2ee ? { e2ee: { mode: "exchange" as const } } : {}),
    });
    // The benchmark must measure the transport it names: never a fallback.
    if (session.transportKind !== target.mode) {
      await session.leave();
      throw new Error(`asked for ${target.mode}, connected over ${session.transportKind}`);
    }
    return session;
  }
}

window.bench = new BenchPage();

/** What WebRTC's own sender adaptation did (outbound video): its size, rate, encode time and why. */
async function webRtcSenderFigures(pc: RTCPeerConnection): Promise<Record<string, number | string>> {
  for (const report of (await pc.getStats()).values()) {
    const stats = report as {
      type: string;
      kind?: string;
      frameWidth?: number;
      frameHeight?: number;
      framesPerSecond?: number;
      framesEncoded?: number;
      totalEncodeTime?: number;
      qualityLimitationReason?: string;
    };
    if (stats.type !== "outbound-rtp" || stats.kind !== "video" || !stats.framesEncoded) continue;
    return {
      webrtcFrameWidth: stats.frameWidth ?? 0,
      webrtcFrameHeight: stats.frameHeight ?? 0,
      webrtcFps: stats.framesPerSecond ?? 0,
      webrtcEncodeMsPerFrame: ((stats.totalEncodeTime ?? 0) * 1000) / stats.framesEncoded,
      webrtcQualityLimitation: stats.qualityLimitationReason ?? "",
    };
  }
  return {};
}

/** The peer's stats without the per-track lists (the diagnostics are one flat row). */
function flatPeerStats(stats: PeerStats): Record<string, number | string> {
  const { videoTracks: _video, audioTracks: _audio, ...flat } = stats;
  return flat;
}

function publisherFigures(stats: CameraPublisherStats): Record<string, number | string> {
  const { layers: _layers, adaptation, ...figures } = stats;
  return {
    ...figures,
    adaptationLevel: adaptation.level,
    adaptationLimitation: adaptation.limitation,
    adaptationDowngrades: adaptation.downgrades,
    adaptationUpgrades: adaptation.upgrades,
  };
}
