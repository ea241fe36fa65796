import "./styles.css";
import { renderHomePage } from "./home-page.ts";
import { MeetingPage } from "./meeting/meeting-page.ts";
import { parseMeetingPath } from "./routes.ts";

const root = document.getElementById("app");
if (!root) throw new Error("index.html has no #app element");
const route = parseMeetingPath(location.pathname, location.search);
if (route) new MeetingPage(root, route).start();
else renderHomePage(root);
