import { type ReadonlySignal, signal } from "@preact/signals";
import { type ChatEntry, ChatError, type ChatErrorReason, type MeetingSession } from "@videocall/client";
import type { MessageKey } from "../i18n/i18n.ts";

/** The catalogue's words for a ChatError reason. */
export type ChatErrorKey = Extract<MessageKey, `chat.error.${ChatErrorReason}`>;

/**
 * The meeting page's chat: the messages the session has seen, whether the panel is open, how many
 * live messages from others arrived while it was closed (the badge), and why the last send failed.
 */
export class ChatState {
  #session: MeetingSession | undefined;
  #messages = signal<readonly ChatEntry[]>([]);
  #unread = signal(0);
  #open = signal(false);
  #error = signal<ChatErrorKey | undefined>(undefined);

  readonly messages: ReadonlySignal<readonly ChatEntry[]> = this.#messages;
  readonly unread: ReadonlySignal<number> = this.#unread;
  readonly open: ReadonlySignal<boolean> = this.#open;
  /** The catalogue key saying why the last message was not sent, until the next send. */
  readonly error: ReadonlySignal<ChatErrorKey | undefined> = this.#error;

  /** Follows `session`'s chat; returns the function that stops it. */
  attach(session: MeetingSession): () => void {
    this.#session = session;
    this.#messages.value = [...session.chatMessages];
    this.#unread.value = 0;
    const off = session.events.on("chat", (entry, live) => {
      this.#messages.value = [...session.chatMessages];
      // History is what was said before we came: not news. Our own messages are not either.
      if (live && !entry.mine && !this.#open.value) this.#unread.value++;
    });
    return () => {
      off();
      if (this.#session === session) this.#session = undefined;
    };
  }

  setOpen(open: boolean): void {
    this.#open.value = open;
    if (open) this.#unread.value = 0;
  }

  /** Sends `text` to everyone or to one participant; true when the server stored it. */
  async send(text: string, toSessionId: number | undefined): Promise<boolean> {
    const session = this.#session;
    this.#error.value = undefined;
    if (!session) {
      this.#error.value = "chat.error.not-connected";
      return false;
    }
    try {
      await session.sendChat(text, toSessionId === undefined ? {} : { toSessionId });
      return true;
    } catch (error) {
      const reason: ChatErrorReason = error instanceof ChatError ? error.reason : "failed";
      this.#error.value = `chat.error.${reason}`;
      return false;
    }
  }
}
