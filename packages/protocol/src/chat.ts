import { ChatRefusal, type ChatSend } from "./gen/videocall/v1/packet_pb.ts";
import { MAX_CHAT_CLIENT_ID_CHARS, MAX_CHAT_SEALED_BYTES, MAX_CHAT_TEXT_CHARS } from "./limits.ts";

/** Why a ChatSend cannot be accepted, as a refusal code and words. */
export interface ChatSendProblem {
  refusal: ChatRefusal;
  detail: string;
}

/**
 * Why a decoded ChatSend is malformed, or undefined when it is well formed. Checked by the relay (a bad
 * one is refused with a ChatMessage carrying the refusal, never fatal) and by the client before sending.
 * Whether the sender may chat, its rate and the recipient are the relay's to check.
 */
export function chatSendProblem(
  send: Pick<ChatSend, "clientMessageId" | "text" | "sealedText" | "toSessionId">,
): ChatSendProblem | undefined {
  const id = send.clientMessageId;
  if (id.length === 0 || id.length > MAX_CHAT_CLIENT_ID_CHARS)
    return invalid(`client_message_id must have 1..${MAX_CHAT_CLIENT_ID_CHARS} characters`);
  const sealed = send.sealedText.length > 0;
  if (sealed && send.text.length > 0) return invalid("a message has text or sealed text, not both");
  if (!sealed && send.text.trim().length === 0) return invalid("empty message");
  if (send.text.length > MAX_CHAT_TEXT_CHARS)
    return { refusal: ChatRefusal.TOO_LONG, detail: `at most ${MAX_CHAT_TEXT_CHARS} characters` };
  if (send.sealedText.length > MAX_CHAT_SEALED_BYTES)
    return { refusal: ChatRefusal.TOO_LONG, detail: `at most ${MAX_CHAT_SEALED_BYTES} sealed bytes` };
  // NUL cannot be stored (PostgreSQL text), and a lone surrogate would turn into U+FFFD on the way.
  if (send.text.includes("\u0000") || LONE_SURROGATE.test(send.text))
    return invalid("text with NUL or a lone surrogate");
  if (send.toSessionId === 0) return invalid("to_session_id 0 names nobody (omit it for everyone)");
  return undefined;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function invalid(detail: string): ChatSendProblem {
  return { refusal: ChatRefusal.INVALID, detail };
}
