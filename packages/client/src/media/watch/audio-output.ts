import { OPUS_SAMPLE_RATE_HZ } from "../tracks.ts";

/**
 * The playout worklet, bundled to plain JavaScript by `npm run build:worklet` (no bundler compiles a
 * worklet's TypeScript; every bundler copies a `.js` referenced this way, and plain ESM finds it
 * beside this module).
 */
const PLAYOUT_WORKLET_URL = new URL("./audio-playout.worklet.bundle.js", import.meta.url);

/**
 * The page's audio output: one AudioContext at Opus's 48 kHz (so decoded frames need no resampling
 * here) with the playout worklet loaded. Every remote participant gets its own playout node in it.
 */
export class AudioOutput {
  readonly context: AudioContext;

  private constructor(context: AudioContext) {
    this.context = context;
  }

  static async open(): Promise<AudioOutput> {
    const context = new AudioContext({ sampleRate: OPUS_SAMPLE_RATE_HZ, latencyHint: "interactive" });
    try {
      await context.audioWorklet.addModule(PLAYOUT_WORKLET_URL);
    } catch (error) {
      await context.close();
      throw error;
    }
    return new AudioOutput(context);
  }

  /** Browsers may start the context suspended until a user gesture: call from a click handler. */
  async resume(): Promise<void> {
    if (this.context.state === "suspended") await this.context.resume();
  }

  async close(): Promise<void> {
    if (this.context.state !== "closed") await this.context.close();
  }
}
