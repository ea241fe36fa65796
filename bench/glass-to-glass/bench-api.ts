/**
 * `window.bench`: what the glass-to-glass benchmark (bench/glass-to-glass) drives on bench.html
 * through Playwright. Types only, so the Deno orchestrator can import them without the client code.
 *
 * A page is either a sender (draws the barcode and publishes it) or a receiver (reads the barcode
 * back from what it renders). All times are `performance.timeOrigin + performance.now()` in ms
 * unless named otherwise.
 */
export type CallMode = "webtransport" | "websocket";
/**
 * `webtransport-e2ee`: our call over WebTransport with end-to-end encryption (SFrame, key exchange) on.
 * `websocket-fallback`: the receiver joins with "auto" where QUIC is dropped (its WebTransport port is
 * a UDP black hole), on its first visit (nothing remembered); `websocket-remembered`: the same on a
 * later visit (localStorage remembers WebSocket for the server).
 */
export type BenchMode =
  | CallMode
  | "webtransport-e2ee"
  | "websocket-fallback"
  | "websocket-remembered"
  | "webrtc";

export interface CallTarget {
  mode: CallMode;
  /** Join with end-to-end encryption (key exchange mode). */
  e2ee?: boolean;
  /** Join with transport "auto" (and the page's localStorage transport memory); `mode` is the one expected. */
  auto?: boolean;
  serverUrl: string;
  meetingId: string;
  username: string;
  /** Also send (sender) or play (receiver) steady noise, for the audio concealment ratio. */
  audio?: boolean;
}

/**
 * Audio the receiver played, cumulative: our call counts 20 ms Opus frames (played from the jitter
 * buffer, concealed for a loss); WebRTC counts samples (RTCInboundRtpStreamStats totalSamplesReceived
 * minus concealedSamples, and concealedSamples).
 */
export interface AudioCounters {
  played: number;
  concealed: number;
}

export interface SenderStats {
  framesDrawn: number;
  /** Frames our encoder produced (our call) or RTCOutboundRtpStreamStats.framesEncoded (WebRTC). */
  framesEncoded: number;
}

export interface ReceiverWindow {
  /** Glass-to-glass latency of each distinct frame first seen in the window, receiver clock − sender clock. */
  latenciesMs: number[];
  /** When each of those frames was first shown (receiver clock), in the same order: freeze ratio, recovery. */
  frameTimesMs: number[];
  /**
   * Our call only: per video packet, arrival on the receiver page − the capture time the sender's
   * encoder stamped when it took the frame (encode + send + relay + receive, no decode, no render).
   */
  arrivalLatenciesMs: number[];
  /** Length of the window on the receiver's clock. */
  windowMs: number;
  /** Read-backs whose barcode failed its checks (mid-transition, smeared, no frame yet). */
  rejectedReads: number;
  /** Read-backs that showed a frame already counted. */
  repeatedReads: number;
}

export interface FlashBeepOnsets {
  flashesSeenMs: number[];
  beepsHeardMs: number[];
}

export interface BenchApi {
  /** Wall clock of this page, for measuring the offset between pages. */
  clockMs(): number;
  /** ms from this page's navigation start to the first remote frame decoded; undefined before it. */
  firstFrameAfterMs(): number | undefined;
  senderStats(): Promise<SenderStats>;
  /** Pipeline counters of this page (publisher, session, peer), to explain a surprising figure. */
  diagnostics(): Promise<Record<string, number | string | undefined>>;

  /** Sender, our call: joins and publishes the barcode canvas as the camera. Returns the transport used. */
  startCallSender(target: CallTarget): Promise<string>;
  /** Receiver, our call: joins and reads back the first remote peer's canvas. Returns the transport used. */
  startCallReceiver(target: CallTarget): Promise<string>;

  /** Sender, WebRTC: an offer with all ICE candidates (no trickle) sending the barcode track (and a noise track). */
  createWebRtcOffer(audio?: boolean): Promise<string>;
  acceptWebRtcAnswer(sdp: string): Promise<void>;
  /** Receiver, WebRTC: answers `offer` and reads back a `<video>` playing the remote track. */
  answerWebRtcOffer(offer: string): Promise<string>;

  /**
   * Sender with audio: from now on the picture flashes once a second and a beep sounds over the
   * noise as each flash is captured (for the A/V skew; it changes the sound, so the concealment
   * ratio is measured before).
   */
  startFlashing(): void;
  /** Receiver: the onsets of every flash it rendered and every beep it played so far. */
  flashBeepOnsets(): FlashBeepOnsets;

  /** Receiver: what it has played of the peer's audio so far (zeros without audio). */
  audioCounters(): Promise<AudioCounters>;

  /** Starts collecting latencies (drops what came before: join, warm-up). */
  beginWindow(): void;
  endWindow(): ReceiverWindow;
  /** Leaves the call / closes the peer connection and stops the loops. */
  stop(): Promise<void>;
}

declare global {
  interface Window {
    bench: BenchApi;
  }
}
