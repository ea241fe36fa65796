/**
 * Frames a VideoEncoder can take. Some cameras deliver a pixel format WebCodecs has no name for
 * (`VideoFrame.format` null): depth cameras' 16-bit Y16, as Chromium's second fake camera does.
 * Chromium's encoders fail on every such frame ("Encoding error", the encoder closed), so the
 * call shows nothing from that camera. Those frames are drawn on a canvas, which renders whatever
 * the browser can show, and encoded from there; frames in a named format pass through uncopied.
 */
export class EncodableFrames {
  #canvas: OffscreenCanvas | undefined;
  #context: OffscreenCanvasRenderingContext2D | null = null;
  #framesRedrawn = 0;

  /** Frames that had no pixel format and were drawn on the canvas to be encoded. */
  get framesRedrawn(): number {
    return this.#framesRedrawn;
  }

  /**
   * `frame` itself when the encoder can read it, else a drawn copy with the same timestamp and
   * duration (`frame` is then closed). The caller closes what it gets back.
   */
  take(frame: VideoFrame): VideoFrame {
    if (frame.format !== null) return frame;
    try {
      const width = frame.displayWidth;
      const height = frame.displayHeight;
      const context = this.#contextFor(width, height);
      context.drawImage(frame, 0, 0, width, height);
      this.#framesRedrawn++;
      return new VideoFrame(this.#canvas as OffscreenCanvas, {
        timestamp: frame.timestamp,
        ...(frame.duration !== null ? { duration: frame.duration } : {}),
      });
    } finally {
      frame.close();
    }
  }

  #contextFor(width: number, height: number): OffscreenCanvasRenderingContext2D {
    if (!this.#canvas || !this.#context) {
      this.#canvas = new OffscreenCanvas(width, height);
      // Opaque: the encoder drops alpha anyway, and an opaque canvas skips premultiplying.
      this.#context = this.#canvas.getContext("2d", { alpha: false });
      if (!this.#context) throw new Error("no 2D canvas to convert camera frames on");
    }
    if (this.#canvas.width !== width || this.#canvas.height !== height) {
      this.#canvas.width = width;
      this.#canvas.height = height;
    }
    return this.#context;
  }
}
