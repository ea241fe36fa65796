/**
 * The reactions a participant may send, as Zoom and Meet offer them: a fixed set, so the relay can
 * refuse anything else (no arbitrary text rides on a reaction) and every client can draw them.
 */
export const ALLOWED_REACTIONS = ["👍", "👏", "❤️", "😂", "😮", "🎉"] as const;

export type ReactionEmoji = (typeof ALLOWED_REACTIONS)[number];

/** Longest emoji echoed back in a ReactionRefused. */
export const MAX_REFUSED_EMOJI_CHARS = 16;

/**
 * Per-participant reaction budget at the relay: a burst of this many, refilled at this rate. A
 * reaction over it is refused (REACTION_REFUSAL_RATE_LIMITED), never fatal.
 */
export const REACTION_BURST = 5;
export const REACTIONS_PER_SECOND = 2;

export function isAllowedReaction(emoji: string): emoji is ReactionEmoji {
  return (ALLOWED_REACTIONS as readonly string[]).includes(emoji);
}
