import { create } from "@bufbuild/protobuf";
import {
  CHAT_BURST_MESSAGES,
  CHAT_MESSAGES_PER_SECOND,
  type ChatMessage,
  ChatMessageSchema,
  ChatRefusal,
  type ChatSend,
  chatSendProblem,
  encodePacket,
  Grant,
  MAX_CHAT_CLIENT_ID_CHARS,
  MAX_CHAT_HISTORY_MESSAGES,
  MAX_CHAT_SEALED_BYTES,
  MAX_CHAT_TEXT_CHARS,
} from "@videocall/protocol";
import type { PresenceEvent } from "../bus/meeting-bus.ts";
import type { NewChatMessage, StoredChatMessage } from "../db/repositories/chat-messages.ts";
import { TokenBucket } from "../limits/token-bucket.ts";
import type { Logger } from "../observability/log.ts";
import type { RelayStats } from "../observability/relay-stats.ts";
import type { LocalParticipant, RemoteParticipant } from "./meeting-room.ts";

/** Where a meeting's chat is kept: the meeting directory (the database), or memory without one. */
export interface ChatStore {
  store(message: NewChatMessage): Promise<{ message: StoredChatMessage; duplicate: boolean }>;
  visibleTo(meetingId: string, identity: string, limit: number): Promise<StoredChatMessage[]>;
}

/** The room as chat sees it. */
export interface ChatRoomView {
  local(sessionId: number): LocalParticipant | undefined;
  locals(): Iterable<LocalParticipant>;
  remote(sessionId: number): RemoteParticipant | undefined;
  publish(event: PresenceEvent): void;
}

export interface MeetingChatOptions {
  readonly meetingId: string;
  readonly room: ChatRoomView;
  readonly store: ChatStore;
  readonly stats: RelayStats;
  readonly log?: Logger | undefined;
  /** The clock of the rate limit (tests pass their own). */
  readonly nowMs?: () => number;
}

const CONTROL = { kind: 0, keyframe: false, fromSessionId: 0, trackId: 0 };
const MAX_IDENTITY_CHARS = 256;

/**
 * Chat for one meeting on one node. A local participant's ChatSend is checked (shape, grant, rate,
 * recipient), stored, delivered to this node's recipients and published on the bus, whose other nodes
 * deliver it to theirs. A private message reaches its recipient and its sender, nobody else, live or in
 * history. A joiner gets the history it may see once the store answers; live messages may arrive before
 * it, so clients order and de-duplicate by sequence.
 */
export class MeetingChat {
  readonly #options: MeetingChatOptions;
  readonly #buckets = new Map<number, TokenBucket>();
  readonly #nowMs: () => number;

  constructor(options: MeetingChatOptions) {
    this.#options = options;
    this.#nowMs = options.nowMs ?? (() => performance.now());
  }

  /** A local participant's message. Never throws; a refusal goes back to the sender only. */
  async send(sender: LocalParticipant, send: ChatSend): Promise<void> {
    const refusal = this.#refusalOf(sender, send);
    if (refusal) {
      this.refuse(sender, send.clientMessageId, refusal.refusal, refusal.detail);
      return;
    }
    const room = this.#options.room;
    const toSessionId = send.toSessionId;
    const recipient =
      toSessionId === undefined ? undefined : (room.local(toSessionId) ?? room.remote(toSessionId));
    let stored: { message: StoredChatMessage; duplicate: boolean };
    try {
      stored = await this.#options.store.store({
        meetingId: this.#options.meetingId,
        clientMessageId: send.clientMessageId,
        fromIdentity: sender.identity,
        fromName: sender.username,
        fromSessionId: sender.sessionId,
        toIdentity: recipient?.identity ?? null,
        toName: recipient?.username ?? null,
        toSessionId: recipient?.sessionId ?? null,
        text: send.text,
        sealedText: send.sealedText.length > 0 ? toBase64(send.sealedText) : "",
      });
    } catch (error) {
      this.#options.log?.warn(
        { meetingId: this.#options.meetingId, error: String(error) },
        "chat message could not be stored",
      );
      this.refuse(sender, send.clientMessageId, ChatRefusal.FAILED, "the server could not store it");
      return;
    }
    const message = toChatMessage(stored.message);
    const packet = encodePacket({ body: { case: "chatMessage", value: message } });
    if (stored.duplicate) {
      // A resend: the sender gets its receipt again, nobody else gets the message twice.
      if (room.local(sender.sessionId) === sender) sender.queue.push(packet, CONTROL);
      return;
    }
    this.#options.stats.chatMessagesStored++;
    this.#deliverLocally(packet, message, sender.sessionId);
    room.publish({ type: "chat", message });
  }

  /** A participant joined on this node: the history it may see, once the store answers. */
  async joined(participant: LocalParticipant): Promise<void> {
    let history: StoredChatMessage[];
    try {
      history = await this.#options.store.visibleTo(
        this.#options.meetingId,
        participant.identity,
        MAX_CHAT_HISTORY_MESSAGES,
      );
    } catch (error) {
      this.#options.log?.warn(
        { meetingId: this.#options.meetingId, error: String(error) },
        "chat history could not be read",
      );
      return;
    }
    if (this.#options.room.local(participant.sessionId) !== participant) return; // left meanwhile
    participant.queue.push(
      encodePacket({ body: { case: "chatHistory", value: { messages: history.map(toChatMessage) } } }),
      CONTROL,
    );
  }

  left(sessionId: number): void {
    this.#buckets.delete(sessionId);
  }

  /** A message another node stored: untrusted input, checked, then delivered to this node's recipients. */
  onBus(message: ChatMessage): boolean {
    if (!isSaneMessage(message)) return false;
    if (this.#options.room.local(message.fromSessionId)) return false; // nobody speaks for our own
    const packet = encodePacket({ body: { case: "chatMessage", value: message } });
    this.#deliverLocally(packet, message, undefined);
    return true;
  }

  #deliverLocally(packet: Uint8Array, message: ChatMessage, senderSessionId: number | undefined): void {
    const room = this.#options.room;
    if (message.toSessionId === 0) {
      for (const participant of room.locals()) participant.queue.push(packet, CONTROL);
      return;
    }
    room.local(message.toSessionId)?.queue.push(packet, CONTROL);
    if (senderSessionId !== undefined && senderSessionId !== message.toSessionId)
      room.local(senderSessionId)?.queue.push(packet, CONTROL);
  }

  #refusalOf(sender: LocalParticipant, send: ChatSend): { refusal: ChatRefusal; detail: string } | undefined {
    if ((sender.grants & Grant.chat) === 0)
      return { refusal: ChatRefusal.NOT_ALLOWED, detail: "you may not chat in this meeting" };
    const problem = chatSendProblem(send);
    if (problem) return problem;
    // The bucket is charged for well-formed messages only, so a refusal does not cost the sender a turn.
    let bucket = this.#buckets.get(sender.sessionId);
    const nowMs = this.#nowMs();
    if (!bucket) {
      bucket = new TokenBucket(CHAT_MESSAGES_PER_SECOND, CHAT_BURST_MESSAGES, nowMs);
      this.#buckets.set(sender.sessionId, bucket);
    }
    const to = send.toSessionId;
    const room = this.#options.room;
    if (to !== undefined && !room.local(to) && !room.remote(to))
      return { refusal: ChatRefusal.NO_SUCH_RECIPIENT, detail: "nobody with that session id is here" };
    if (!bucket.tryTake(1, nowMs))
      return { refusal: ChatRefusal.RATE_LIMITED, detail: "sending messages too fast: wait a moment" };
    return undefined;
  }

  /** Tells the sender alone why its ChatSend was not taken (the relay calls it for one that does not decode). */
  refuse(sender: LocalParticipant, clientMessageId: string, refusal: ChatRefusal, detail: string): void {
    this.#options.stats.chatMessagesRefused++;
    if (this.#options.room.local(sender.sessionId) !== sender) return;
    sender.queue.push(
      encodePacket({
        body: {
          case: "chatMessage",
          value: {
            clientMessageId: clientMessageId.slice(0, MAX_CHAT_CLIENT_ID_CHARS),
            refusal,
            refusalDetail: detail,
          },
        },
      }),
      CONTROL,
    );
  }
}

/** Chat without a database: the room's messages in memory, gone when the room closes. */
export class MemoryChatStore implements ChatStore {
  readonly #messages: StoredChatMessage[] = [];
  readonly #maxMessages: number;
  #sequence = 0n;

  constructor(maxMessages = 1000) {
    this.#maxMessages = maxMessages;
  }

  store(message: NewChatMessage): Promise<{ message: StoredChatMessage; duplicate: boolean }> {
    const existing = this.#messages.find(
      (m) => m.fromIdentity === message.fromIdentity && m.clientMessageId === message.clientMessageId,
    );
    if (existing) return Promise.resolve({ message: existing, duplicate: true });
    this.#sequence++;
    const stored: StoredChatMessage = { ...message, sequence: this.#sequence, sentAt: new Date() };
    this.#messages.push(stored);
    if (this.#messages.length > this.#maxMessages) this.#messages.shift();
    return Promise.resolve({ message: stored, duplicate: false });
  }

  visibleTo(_meetingId: string, identity: string, limit: number): Promise<StoredChatMessage[]> {
    const visible = this.#messages.filter(
      (m) => m.toIdentity === null || m.toIdentity === identity || m.fromIdentity === identity,
    );
    return Promise.resolve(visible.slice(-limit));
  }
}

export function toChatMessage(stored: StoredChatMessage): ChatMessage {
  return create(ChatMessageSchema, {
    sequence: stored.sequence,
    clientMessageId: stored.clientMessageId,
    fromSessionId: stored.fromSessionId,
    fromIdentity: stored.fromIdentity,
    fromName: stored.fromName,
    toSessionId: stored.toSessionId ?? 0,
    toIdentity: stored.toIdentity ?? "",
    toName: stored.toName ?? "",
    text: stored.text,
    sentAtMs: BigInt(stored.sentAt.getTime()),
    sealedText: stored.sealedText === "" ? new Uint8Array(0) : fromBase64(stored.sealedText),
  });
}

function isSaneMessage(message: ChatMessage): boolean {
  return (
    message.sequence > 0n &&
    message.fromSessionId !== 0 &&
    message.refusal === ChatRefusal.UNSPECIFIED &&
    message.text.length <= MAX_CHAT_TEXT_CHARS &&
    message.sealedText.length <= MAX_CHAT_SEALED_BYTES &&
    message.clientMessageId.length <= MAX_CHAT_CLIENT_ID_CHARS &&
    message.fromIdentity.length <= MAX_IDENTITY_CHARS &&
    message.fromName.length <= MAX_IDENTITY_CHARS &&
    message.toIdentity.length <= MAX_IDENTITY_CHARS &&
    message.toName.length <= MAX_IDENTITY_CHARS
  );
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let index = 0; index < bytes.length; index += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(index, index + 0x8000));
  }
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}
