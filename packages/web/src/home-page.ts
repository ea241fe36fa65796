import { h } from "./dom.ts";
import { meetingPath } from "./routes.ts";

/** The landing page: pick a display name and a meeting id, then go to the meeting's URL. */
export function renderHomePage(root: HTMLElement): void {
  const name = h("input", {
    name: "username",
    required: true,
    maxlength: "40",
    placeholder: "Ada",
    autofocus: true,
  });
  const meeting = h("input", { name: "meeting", required: true, maxlength: "64", placeholder: "team-sync" });
  meeting.value = Math.random().toString(36).slice(2, 8);
  const form = h(
    "form",
    { class: "card home" },
    h("h1", {}, "videocall"),
    h("p", { class: "muted" }, "Open-source video meetings, right in the browser."),
    h("label", {}, "Your name", name),
    h("label", {}, "Meeting id", meeting),
    h("button", { class: "primary", type: "submit" }, "Continue"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const username = name.value.trim();
    const meetingId = meeting.value.trim();
    if (username && meetingId) location.assign(meetingPath({ username, meetingId }));
  });
  root.replaceChildren(h("main", { class: "centered" }, form));
}
