import { tokenize } from "linkifyjs";

/**
 * A chat message's text as text nodes and links: only http and https URLs become links, opened in a
 * new tab without a referrer or a window.opener. Nothing is ever parsed as HTML, so a message that
 * holds markup shows that markup as characters.
 */
export function ChatText({ text }: { text: string }) {
  return (
    <>
      {tokenize(text).map((token, index) => {
        const shown = token.toString();
        const href = token.isLink && token.t === "url" ? safeHref(token.toHref("https")) : undefined;
        return href === undefined ? (
          shown
        ) : (
          <a key={index} href={href} target="_blank" rel="noopener noreferrer">
            {shown}
          </a>
        );
      })}
    </>
  );
}

/** The URL when it is http or https, else undefined (javascript:, data:, ftp: stay text). */
function safeHref(href: string): string | undefined {
  if (!URL.canParse(href)) return undefined;
  const url = new URL(href);
  return url.protocol === "http:" || url.protocol === "https:" ? url.href : undefined;
}
