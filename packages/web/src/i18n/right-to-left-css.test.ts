import { deepStrictEqual } from "node:assert/strict";

/**
 * The stylesheet mirrors for right-to-left languages only if it says start and end, not left and
 * right: margin-inline-start, inset-inline-start, text-align: start, border-block-end… This fails
 * on a physical property, and on a four-value margin or padding whose left and right differ.
 */
const PHYSICAL_PROPERTY =
  /(^|[\s;{])((margin|padding|border|scroll-margin|scroll-padding)-(left|right)(-\w+)?|left|right|float|clear)\s*:/;
const PHYSICAL_VALUE = /\b(text-align|float|clear|justify-self|justify-items|resize)\s*:\s*(left|right)\b/;
const ASYMMETRIC_SHORTHAND = /(^|[\s;{])(margin|padding|inset|border-width|border-radius)\s*:\s*([^;]+);/;

export function physicalDeclarations(css: string): string[] {
  const withoutComments = css.replace(/\/\*[\s\S]*?\*\//g, "");
  const found: string[] = [];
  withoutComments.split("\n").forEach((line, index) => {
    const at = `line ${index + 1}: ${line.trim()}`;
    if (PHYSICAL_PROPERTY.test(line) || PHYSICAL_VALUE.test(line)) found.push(at);
    const shorthand = ASYMMETRIC_SHORTHAND.exec(line);
    const values = shorthand?.[3]?.trim().split(/\s+/) ?? [];
    // margin: top right bottom left — the sides differ only with four values (border-radius: with 2+).
    const property = shorthand?.[2];
    if (
      property === "border-radius"
        ? values.length >= 2 && values[0] !== values[1]
        : values.length === 4 && values[1] !== values[3]
    )
      found.push(at);
  });
  return found;
}

Deno.test("styles.css uses logical properties, so the layout mirrors right to left", async () => {
  const css = await Deno.readTextFile(new URL("../styles.css", import.meta.url));
  deepStrictEqual(physicalDeclarations(css), []);
});

Deno.test("the stylesheet check catches left and right", () => {
  const css =
    ".a { margin-left: 1px; }\n.b { left: 0; }\n.c { text-align: right; }\n.d { padding: 0 1px 0 2px; }\n.e { margin-inline-start: 1px; inset-inline: 0; text-align: start; padding: 0 1px; }";
  deepStrictEqual(
    physicalDeclarations(css).map((line) => line.split(":")[0]),
    ["line 1", "line 2", "line 3", "line 4"],
  );
});
