import "./styles.css";
import { render } from "preact";
import { loadAccount } from "./account/account.ts";
import { CallController } from "./call/call-controller.ts";
import { HomePage } from "./home/home-page.tsx";
import { applyLocale } from "./i18n/i18n.ts";
import { initLanguage } from "./i18n/language-choice.ts";
import { MeetingPage } from "./meeting/meeting-page.tsx";
import { parseMeetingPath } from "./routes.ts";
import { installHooks } from "./test-hooks/install-hooks.ts";

const root = document.getElementById("app");
if (!root) throw new Error("index.html has no #app element");

initLanguage();
applyLocale(document.documentElement);

void loadAccount();

const route = parseMeetingPath(location.pathname, location.search);
if (route) {
  const controller = new CallController(route);
  installHooks(controller);
  render(<MeetingPage controller={controller} />, root);
  void controller.start();
} else {
  render(<HomePage />, root);
}
