/**
 * Finds user-visible text in TSX that does not go through the catalogue: JSX text, string literals
 * as JSX children, and string literals in the attributes people read or hear (aria-label, title,
 * placeholder, alt…). Only text with letters counts: symbols and punctuation ("–", "×", "🔒") are
 * not words to translate. The test below runs it over every component of the web app.
 */

import { deepStrictEqual } from "node:assert/strict";
import ts from "typescript";

const VISIBLE_ATTRIBUTES = new Set([
  "aria-label",
  "aria-description",
  "aria-placeholder",
  "aria-roledescription",
  "aria-valuetext",
  "title",
  "placeholder",
  "alt",
  "label",
]);

export interface HardCodedText {
  file: string;
  line: number;
  text: string;
}

const hasLetters = (text: string) => /\p{L}/u.test(text);

export function findHardCodedText(file: string, source: string): HardCodedText[] {
  const sourceFile = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const found: HardCodedText[] = [];
  const report = (node: ts.Node, text: string) => {
    const { line } = sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile));
    found.push({ file, line: line + 1, text: text.trim() });
  };
  /** A literal string, or a template with no substitutions, anywhere in the expression (a ?: b, a ?? b). */
  const literalsIn = (expression: ts.Expression, visit: (literal: ts.StringLiteralLike) => void) => {
    if (ts.isStringLiteral(expression) || ts.isNoSubstitutionTemplateLiteral(expression)) visit(expression);
    else if (ts.isTemplateExpression(expression)) {
      if (hasLetters(expression.head.text)) report(expression, expression.head.text);
      for (const span of expression.templateSpans)
        if (hasLetters(span.literal.text)) report(span, span.literal.text);
    } else if (ts.isConditionalExpression(expression)) {
      literalsIn(expression.whenTrue, visit);
      literalsIn(expression.whenFalse, visit);
    } else if (ts.isBinaryExpression(expression)) {
      const operator = expression.operatorToken.kind;
      if (
        operator === ts.SyntaxKind.QuestionQuestionToken ||
        operator === ts.SyntaxKind.BarBarToken ||
        operator === ts.SyntaxKind.AmpersandAmpersandToken ||
        operator === ts.SyntaxKind.PlusToken
      ) {
        literalsIn(expression.left, visit);
        literalsIn(expression.right, visit);
      }
    } else if (ts.isParenthesizedExpression(expression)) literalsIn(expression.expression, visit);
  };
  const visit = (node: ts.Node) => {
    if (ts.isJsxText(node) && hasLetters(node.text)) report(node, node.text);
    if (ts.isJsxExpression(node) && node.expression && ts.isJsxElement(node.parent)) {
      literalsIn(node.expression, (literal) => {
        if (hasLetters(literal.text)) report(literal, literal.text);
      });
    }
    if (ts.isJsxAttribute(node) && VISIBLE_ATTRIBUTES.has(node.name.getText(sourceFile))) {
      const value = node.initializer;
      if (value && ts.isStringLiteral(value) && hasLetters(value.text)) report(value, value.text);
      if (value && ts.isJsxExpression(value) && value.expression) {
        literalsIn(value.expression, (literal) => {
          if (hasLetters(literal.text)) report(literal, literal.text);
        });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return found;
}

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
