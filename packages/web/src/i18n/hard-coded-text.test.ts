import { deepStrictEqual } from "node:assert/strict";
import { findHardCodedText } from "./hard-coded-text.ts";

const WEB_SOURCES = new URL("../", import.meta.url);

async function* tsxFiles(directory: URL): AsyncGenerator<URL> {
  for await (const entry of Deno.readDir(directory)) {
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), directory);
    if (entry.isDirectory) yield* tsxFiles(url);
    else if (entry.name.endsWith(".tsx")) yield url;
  }
}

Deno.test("no component of the web app shows text that does not come from the message catalogue", async () => {
  const found = [];
  let files = 0;
  for await (const url of tsxFiles(WEB_SOURCES)) {
    files++;
    const relative = url.pathname.slice(WEB_SOURCES.pathname.length);
    found.push(...findHardCodedText(relative, await Deno.readTextFile(url)));
  }
  deepStrictEqual(found, []);
  deepStrictEqual(files > 15, true, `only ${files} .tsx files found: is the walk broken?`);
});

Deno.test("the check finds hard-coded text in JSX, children and visible attributes, and lets symbols and t() through", () => {
  const source = `
    export function Bad({ on }: { on: boolean }) {
      return (
        <div title="Tooltip words" data-x="not visible">
          Hello there
          {on ? "Yes" : t("ok")}
          <input placeholder={"Type here"} aria-label={\`Label \${on}\`} />
          <img alt="A picture" />
          <span>{t("fine")} – × 🔒 {count}</span>
          <span aria-label={t("fine")} title={name ?? "Nobody"} />
        </div>
      );
    }`;
  const texts = findHardCodedText("bad.tsx", source).map((hit) => hit.text);
  deepStrictEqual(texts, [
    "Tooltip words",
    "Hello there",
    "Yes",
    "Type here",
    "Label",
    "A picture",
    "Nobody",
  ]);
});
