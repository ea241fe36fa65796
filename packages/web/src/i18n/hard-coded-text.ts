/**
 * Finds user-visible text in TSX that does not go through the catalogue: JSX text, string literals
 * as JSX children, and string literals in the attributes people read or hear (aria-label, title,
 * placeholder, alt…). Only text with letters counts: symbols and punctuation ("–", "×", "🔒") are
 * not words to translate. Used by hard-coded-text.test.ts over every component of the web app.
 */
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
