/** Why a sign-in failed; each has its own message on the error page and its own HTTP status. */
export type SignInFailure =
  | "missing_login_state"
  | "bad_state"
  | "replayed"
  | "provider_refused"
  | "provider_unreachable"
  | "provider_timeout"
  | "invalid_provider_response"
  | "account_store_failed";

export class SignInError extends Error {
  override readonly name = "SignInError";
  constructor(
    readonly reason: SignInFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const PAGE: Record<SignInFailure, { status: number; title: string; advice: string }> = {
  missing_login_state: {
    status: 400,
    title: "This sign-in expired or was started in another browser",
    advice: "Start the sign-in again from this browser.",
  },
  bad_state: {
    status: 400,
    title: "This sign-in answer does not belong to your sign-in",
    advice: "Start the sign-in again. If it keeps happening, someone may be trying to sign you in as them.",
  },
  replayed: {
    status: 400,
    title: "This sign-in answer was already used",
    advice: "Start the sign-in again.",
  },
  provider_refused: {
    status: 400,
    title: "The sign-in provider refused the sign-in",
    advice: "Try again, or ask the operator of this server.",
  },
  provider_unreachable: {
    status: 502,
    title: "The sign-in provider could not be reached",
    advice: "Try again in a moment.",
  },
  provider_timeout: {
    status: 504,
    title: "The sign-in provider did not answer in time",
    advice: "Try again in a moment.",
  },
  invalid_provider_response: {
    status: 502,
    title: "The sign-in provider sent an answer this server cannot accept",
    advice: "Ask the operator of this server to check its sign-in configuration.",
  },
  account_store_failed: {
    status: 503,
    title: "Your account could not be recorded",
    advice: "Try again in a moment.",
  },
};

/** A small self-contained HTML page: what went wrong, what to do, a way back. Never echoes provider text unescaped. */
export function signInErrorPage(error: SignInError): Response {
  const page = PAGE[error.reason];
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;line-height:1.5}</style>
</head><body data-sign-in-error="${error.reason}">
<h1>${escapeHtml(page.title)}</h1>
<p>${escapeHtml(page.advice)}</p>
<p><a href="/">Back to the home page</a></p>
</body></html>
`;
  return new Response(html, {
    status: page.status,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
    },
  });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
