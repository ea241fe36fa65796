import type { ComponentChildren } from "preact";
import { useLayoutEffect, useRef } from "preact/hooks";
import type { FloatingReaction } from "../call/meeting-reactions.ts";
import { t } from "../i18n/i18n.ts";

interface TileProps {
  kind: "local" | "remote";
  label: string;
  username: string;
  /** Otherwise the tile shows the initials placeholder. */
  videoShowing: boolean;
  microphoneOn: boolean;
  sessionId?: number;
  trackId?: number;
  /** E2EE: no key for this track's frames yet. */
  waitingForKeys?: boolean;
  /** The server's identity of the participant (tests and namesakes tell tiles apart by it). */
  identity?: string;
  /** Among the relay's active speakers: the tile has a ring. */
  speaking?: boolean;
  /** The speaker view's large tile. */
  dominant?: boolean;
  /** Reactions floating over the tile now. */
  reactions?: readonly FloatingReaction[];
  /** 1-based place of the participant's raised hand, or 0 when it is down. */
  handPosition?: number;
  /** Called with the tile's drawn size in device pixels whenever it changes (remote tiles subscribe by it). */
  onResize?: (widthPx: number, heightPx: number) => void;
  children: ComponentChildren;
}

/** One video track: the video (or the initials while there is none) and the participant's name. */
export function Tile({
  kind,
  label,
  username,
  videoShowing,
  microphoneOn,
  sessionId,
  trackId,
  waitingForKeys = false,
  identity,
  speaking = false,
  dominant = false,
  onResize,
  reactions = [],
  handPosition = 0,
  children,
}: TileProps) {
  const article = useRef<HTMLElement>(null);
  // The latest callback, so the observer is made once per tile and not on every render.
  const resized = useRef(onResize);
  resized.current = onResize;
  const observes = onResize !== undefined;
  useLayoutEffect(() => {
    const element = article.current;
    if (!element || !observes || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver((entries) => {
      const entry = entries[entries.length - 1];
      if (!entry) return;
      // Device pixels: a tile drawn at 640 CSS px on a 2× screen wants a 1280-pixel layer.
      const box = entry.devicePixelContentBoxSize?.[0];
      const ratio = globalThis.devicePixelRatio || 1;
      const widthPx = Math.round(box ? box.inlineSize : entry.contentRect.width * ratio);
      const heightPx = Math.round(box ? box.blockSize : entry.contentRect.height * ratio);
      resized.current?.(widthPx, heightPx);
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [observes]);
  return (
    <article
      ref={article}
      class={`tile ${kind}${videoShowing ? "" : " camera-off"}${speaking ? " speaking" : ""}${dominant ? " dominant" : ""}`}
      data-username={username}
      data-session-id={sessionId}
      data-track-id={trackId}
      data-identity={identity}
    >
      {children}
      <div class="placeholder">
        <span class="avatar">{initials(username)}</span>
      </div>
      {waitingForKeys && (
        <div class="waiting-for-keys" role="status">
          {t("tile.waitingForKeys")}
        </div>
      )}
      {handPosition > 0 && (
        <span class="hand-badge" data-hand-position={handPosition} title={t("reactions.handRaised")}>
          {t("reactions.handBadge", { position: handPosition })}
        </span>
      )}
      <div class="floating-reactions" aria-live="polite">
        {reactions.map((reaction) => (
          <span key={reaction.id} class="floating-reaction" data-emoji={reaction.emoji}>
            {reaction.emoji}
          </span>
        ))}
      </div>
      <footer class="name">
        <span>{label}</span>
        {speaking && <span class="visually-hidden">{t("tile.speaking")}</span>}
        {!microphoneOn && (
          <span class="mic-off" title={t("tile.microphoneMuted")}>
            {t("tile.muted")}
          </span>
        )}
      </footer>
    </article>
  );
}

/** Our own camera, mirrored by the stylesheet; muted so the page never plays our microphone. */
export function LocalVideo({ track }: { track: MediaStreamTrack | undefined }) {
  const video = useRef<HTMLVideoElement>(null);
  useLayoutEffect(() => {
    const element = video.current;
    if (!element) return;
    // The muted attribute alone does not allow autoplay in every browser: set the property too.
    element.muted = true;
    element.srcObject = track ? new MediaStream([track]) : null;
  }, [track]);
  return <video ref={video} autoplay playsInline muted aria-label={t("meeting.yourCamera")} />;
}

/**
 * An element made outside Preact (a remote track's canvas, which its decoder worker draws on),
 * mounted in place. The wrapper has `display: contents`, so the element lays out as the tile's child.
 */
export function MountedElement({ element }: { element: HTMLElement }) {
  const host = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    host.current?.replaceChildren(element);
    return () => element.remove();
  }, [element]);
  return <div class="media-host" ref={host} />;
}

function initials(name: string): string {
  const parts = name
    .trim()
    .split(/[\s._-]+/)
    .filter(Boolean);
  const letters = parts.length > 1 ? `${parts[0]?.[0] ?? ""}${parts[1]?.[0] ?? ""}` : name.slice(0, 2);
  return letters.toUpperCase() || "?";
}
