import { MAX_CHAT_TEXT_CHARS } from "@videocall/protocol";
import { useEffect, useRef, useState } from "preact/hooks";
import type { CallController } from "../call/call-controller.ts";
import { distinctNames } from "../call/display-names.ts";
import { t } from "../i18n/i18n.ts";
import { ChatText } from "./chat-text.tsx";

/**
 * The chat: the meeting's messages (history and live, oldest first), a recipient picker (everyone,
 * or one participant privately) and the message box. The server checks and stores every message.
 */
export function ChatPanel({ controller }: { controller: CallController }) {
  const chat = controller.chat;
  const messages = chat.messages.value;
  const error = chat.error.value;
  const participants = controller.participants.value;
  const self = controller.self.value;
  const names = distinctNames(
    participants,
    self ? { username: self.displayName, identity: self.identity } : undefined,
  );
  const [text, setText] = useState("");
  const [target, setTarget] = useState("");
  const list = useRef<HTMLOListElement>(null);
  const toSessionId = participants.some((p) => String(p.sessionId) === target) ? Number(target) : undefined;

  useEffect(() => {
    list.current?.lastElementChild?.scrollIntoView({ block: "end" });
  }, [messages.length]);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (text.trim() === "") return;
    if (await chat.send(text, toSessionId)) setText("");
  };

  return (
    <aside class="card chat-panel" id="chat-panel" aria-label={t("chat.title")}>
      <h3>{t("chat.title")}</h3>
      {controller.security.value && <p class="chat-notice">{t("chat.encrypted")}</p>}
      {messages.length === 0 && <p class="chat-empty">{t("chat.empty")}</p>}
      <ol class="chat-messages" ref={list} aria-live="polite">
        {messages.map((message) => (
          <li
            key={String(message.sequence)}
            class={`chat-message${message.mine ? " mine" : ""}${message.to ? " private" : ""}`}
            data-sequence={String(message.sequence)}
          >
            <span class="chat-from" title={message.from.identity}>
              {message.mine ? t("chat.you") : (names.get(message.from.identity) ?? message.from.name)}
            </span>
            {message.to && (
              <span class="chat-private">
                {message.mine
                  ? t("chat.privateTo", { name: names.get(message.to.identity) ?? message.to.name })
                  : t("chat.privateFrom")}
              </span>
            )}
            <time dateTime={new Date(message.sentAtMs).toISOString()}>
              {new Date(message.sentAtMs).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}
            </time>
            <p class="chat-text">
              {message.readable ? <ChatText text={message.text} /> : t("chat.unreadable")}
            </p>
          </li>
        ))}
      </ol>
      <form class="chat-form" onSubmit={(event) => void submit(event)}>
        <label>
          {t("chat.to")}
          <select
            name="chat-target"
            value={toSessionId === undefined ? "" : target}
            onChange={(event) => setTarget((event.target as HTMLSelectElement).value)}
          >
            <option value="">{t("chat.everyone")}</option>
            {participants.map((p) => (
              <option key={p.sessionId} value={String(p.sessionId)}>
                {names.get(p.identity) ?? p.username}
              </option>
            ))}
          </select>
        </label>
        <input
          type="text"
          name="chat-text"
          maxLength={MAX_CHAT_TEXT_CHARS}
          aria-label={t("chat.placeholder")}
          placeholder={t("chat.placeholder")}
          value={text}
          onInput={(event) => setText((event.target as HTMLInputElement).value)}
        />
        <button type="submit" class="primary">
          {t("chat.send")}
        </button>
      </form>
      {error && (
        <p class="error" role="alert">
          {t(error)}
        </p>
      )}
    </aside>
  );
}
