import {
  type ChatMessage,
  ChatRefusal,
  chatSendProblem,
  encodePacket,
  MAX_CHAT_HISTORY_MESSAGES,
} from "@videocall/protocol";

/** One chat message as the app shows it: every field but `text` is the server's word. */
export interface ChatEntry {
  /** Orders the meeting's messages (the server's); unique per message. */
  readonly sequence: bigint;
  readonly clientMessageId: string;
  readonly from: ChatParty;
  /** A private message's recipient; undefined for a message to everyone. */
  readonly to: ChatParty | undefined;
  readonly text: string;
  /** When the server stored it (ms since the Unix epoch). */
  readonly sentAtMs: number;
  /** Sent by this participant (this session or an earlier one of the same identity). */
  readonly mine: boolean;
  /** End-to-end encrypted (E2EE meetings): the server stored only ciphertext. */
  readonly sealed: boolean;
  /** False for a sealed message this session holds no key for (sent before it joined, say): `text` is "". */
  readonly readable: boolean;
}

export interface ChatParty {
  readonly sessionId: number;
  readonly identity: string;
  readonly name: string;
}

export type ChatErrorReason =
  | "invalid"
  | "too-long"
  | "rate-limited"
  | "not-allowed"
  | "no-such-recipient"
  | "failed"
  | "not-connected"
  | "timeout";

/** Why a chat message was not sent: the relay's refusal, or no connection. */
export class ChatError extends Error {
  override readonly name = "ChatError";
  constructor(
    readonly reason: ChatErrorReason,
    message: string,
  ) {
    super(message);
  }
}

export interface ChatSendOptions {
  /** A private message to this participant only. */
  toSessionId?: number;
}

/** What the chat needs of its session. */
export interface ChatSessionView {
  sessionId(): number;
  identity(): string;
  connected(): boolean;
  send(bytes: Uint8Array): void;
  /** A new message, once per sequence: `live` unless it came in a ChatHistory. */
  emit(entry: ChatEntry, live: boolean): void;
  /** In an E2EE session: seals and opens chat text with the media keys (e2ee/chat-seal.ts). */
  crypto(): ChatCrypto | undefined;
}

export interface ChatCrypto {
  seal(text: string): Promise<Uint8Array<ArrayBuffer>>;
  open(fromSessionId: number, sealed: Uint8Array): Promise<string | undefined>;
}

/** A sealed message whose sender's key has not arrived yet is tried again this often, this many times. */
const OPEN_RETRY_MS = 500;
const OPEN_ATTEMPTS = 6;

/** How long a message waits for the relay's receipt (it is resent after a reconnect meanwhile). */
export const CHAT_RECEIPT_TIMEOUT_MS = 15_000;
/** Messages kept in memory: the history a joiner gets and what arrived since, at most this many. */
const MAX_KEPT_MESSAGES = MAX_CHAT_HISTORY_MESSAGES * 5;

interface PendingSend {
  readonly packet: Uint8Array;
  readonly resolve: (entry: ChatEntry) => void;
  readonly reject: (error: ChatError) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

/**
 * A session's chat: sends with a client id (so a resend after a reconnect is stored once), matches the
 * relay's receipts and refusals, and keeps the meeting's messages in sequence order, each once, whether
 * it came live or in a ChatHistory (which may arrive after newer live messages).
 */
export class SessionChat {
  readonly #session: ChatSessionView;
  readonly #bySequence = new Map<bigint, ChatEntry>();
  #sorted: ChatEntry[] = [];
  readonly #pending = new Map<string, PendingSend>();
  /** What we sealed, by client id: our own receipts show it without a key lookup. */
  readonly #ownPlaintext = new Map<string, string>();
  /** Sealed messages being opened, so a copy arriving meanwhile is not opened twice. */
  readonly #opening = new Set<bigint>();

  constructor(session: ChatSessionView) {
    this.#session = session;
  }

  /** Every message seen, oldest first. */
  get messages(): readonly ChatEntry[] {
    return this.#sorted;
  }

  async send(text: string, options: ChatSendOptions = {}): Promise<ChatEntry> {
    const clientMessageId = crypto.randomUUID();
    const to = options.toSessionId === undefined ? {} : { toSessionId: options.toSessionId };
    const problem = chatSendProblem({ clientMessageId, text, sealedText: new Uint8Array(0), ...to });
    if (problem) throw new ChatError(reasonOf(problem.refusal), problem.detail);
    if (!this.#session.connected()) throw new ChatError("not-connected", "not connected");
    const sealer = this.#session.crypto();
    const send = sealer
      ? { clientMessageId, text: "", sealedText: await sealer.seal(text), ...to }
      : { clientMessageId, text, sealedText: new Uint8Array(0), ...to };
    if (sealer) this.#ownPlaintext.set(clientMessageId, text);
    const packet = encodePacket({ body: { case: "chatSend", value: send } });
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(clientMessageId);
        reject(new ChatError("timeout", "the server did not confirm the message"));
      }, CHAT_RECEIPT_TIMEOUT_MS);
      this.#pending.set(clientMessageId, { packet, resolve, reject, timer });
      this.#session.send(packet);
    });
  }

  /** A ChatMessage from the relay: a refusal of ours, our receipt, or someone's message. */
  onMessage(message: ChatMessage): void {
    if (message.refusal !== ChatRefusal.UNSPECIFIED) {
      const pending = this.#pending.get(message.clientMessageId);
      if (!pending) return;
      this.#settle(message.clientMessageId);
      pending.reject(new ChatError(reasonOf(message.refusal), message.refusalDetail || "refused"));
      return;
    }
    void this.#accept(message, true).then((entry) => {
      const pending = entry?.mine ? this.#pending.get(entry.clientMessageId) : undefined;
      if (entry && pending) {
        this.#settle(entry.clientMessageId);
        pending.resolve(entry);
      }
    });
  }

  onHistory(messages: readonly ChatMessage[]): void {
    for (const message of messages.slice(-MAX_CHAT_HISTORY_MESSAGES)) {
      if (message.refusal === ChatRefusal.UNSPECIFIED) void this.#accept(message, false);
    }
  }

  /** Opens a sealed message (when it is one), then keeps it once. */
  async #accept(message: ChatMessage, live: boolean): Promise<ChatEntry | undefined> {
    if (message.sealedText.length === 0) return this.#add(message, live, message.text, false, true);
    if (
      message.sequence === 0n ||
      this.#bySequence.has(message.sequence) ||
      this.#opening.has(message.sequence)
    )
      return undefined;
    this.#opening.add(message.sequence);
    try {
      const text = this.#ownPlaintext.get(message.clientMessageId) ?? (await this.#open(message, live));
      return this.#add(message, live, text ?? "", true, text !== undefined);
    } finally {
      this.#opening.delete(message.sequence);
    }
  }

  /** The sender's key may still be on its way (a message right after a join): a few tries. */
  async #open(message: ChatMessage, live: boolean): Promise<string | undefined> {
    const opener = this.#session.crypto();
    if (!opener) return undefined;
    for (let attempt = 1; attempt <= OPEN_ATTEMPTS; attempt++) {
      const text = await opener.open(message.fromSessionId, message.sealedText);
      if (text !== undefined || !live) return text;
      await new Promise((resolve) => setTimeout(resolve, OPEN_RETRY_MS));
    }
    return undefined;
  }

  /** Back in the meeting: sends what waited for a receipt again (the server stores each client id once). */
  resendPending(): void {
    for (const pending of this.#pending.values()) this.#session.send(pending.packet);
  }

  close(): void {
    for (const [id, pending] of this.#pending) {
      this.#settle(id);
      pending.reject(new ChatError("not-connected", "the session closed"));
    }
  }

  #settle(clientMessageId: string): void {
    const pending = this.#pending.get(clientMessageId);
    if (pending) clearTimeout(pending.timer);
    this.#pending.delete(clientMessageId);
  }

  /** Keeps a message once; returns it when it is new. */
  #add(
    message: ChatMessage,
    live: boolean,
    text: string,
    sealed: boolean,
    readable: boolean,
  ): ChatEntry | undefined {
    if (message.sequence === 0n || this.#bySequence.has(message.sequence)) return undefined;
    const entry: ChatEntry = {
      sequence: message.sequence,
      clientMessageId: message.clientMessageId,
      from: { sessionId: message.fromSessionId, identity: message.fromIdentity, name: message.fromName },
      to:
        message.toSessionId === 0
          ? undefined
          : { sessionId: message.toSessionId, identity: message.toIdentity, name: message.toName },
      text,
      sealed,
      readable,
      sentAtMs: Number(message.sentAtMs),
      mine:
        message.fromSessionId === this.#session.sessionId() ||
        (this.#session.identity() !== "" && message.fromIdentity === this.#session.identity()),
    };
    this.#bySequence.set(entry.sequence, entry);
    const last = this.#sorted[this.#sorted.length - 1];
    const sorted =
      last === undefined || last.sequence < entry.sequence
        ? [...this.#sorted, entry]
        : this.#insertSorted(entry);
    this.#sorted = sorted.length > MAX_KEPT_MESSAGES ? sorted.slice(-MAX_KEPT_MESSAGES) : sorted;
    if (sorted.length > MAX_KEPT_MESSAGES) {
      for (const dropped of sorted.slice(0, sorted.length - MAX_KEPT_MESSAGES))
        this.#bySequence.delete(dropped.sequence);
    }
    this.#session.emit(entry, live);
    return entry;
  }

  #insertSorted(entry: ChatEntry): ChatEntry[] {
    const sorted = [...this.#sorted, entry];
    sorted.sort((a, b) => (a.sequence < b.sequence ? -1 : a.sequence > b.sequence ? 1 : 0));
    return sorted;
  }
}

function reasonOf(refusal: ChatRefusal): ChatErrorReason {
  switch (refusal) {
    case ChatRefusal.TOO_LONG:
      return "too-long";
    case ChatRefusal.RATE_LIMITED:
      return "rate-limited";
    case ChatRefusal.NOT_ALLOWED:
      return "not-allowed";
    case ChatRefusal.NO_SUCH_RECIPIENT:
      return "no-such-recipient";
    case ChatRefusal.FAILED:
      return "failed";
    default:
      return "invalid";
  }
}
