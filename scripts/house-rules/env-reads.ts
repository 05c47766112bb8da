import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IModule } from 'dependency-cruiser';
import ts from 'typescript';
import type { Violation } from './violation.js';

/** Every place a file reads `process.env`: `process.env`, `process['env']`, `{ env } = process`, `import { env }`. */
export function envReads(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const where = (node: ts.Node) => `line ${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  const isProcess = (e: ts.Expression) =>
    (ts.isIdentifier(e) && e.text === 'process') ||
    (ts.isPropertyAccessExpression(e) && e.name.text === 'process' && e.expression.getText() === 'globalThis');
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node) && node.name.text === 'env' && isProcess(node.expression)) {
      found.push(`process.env (${where(node)})`);
    } else if (
      ts.isElementAccessExpression(node) &&
      ts.isStringLiteralLike(node.argumentExpression) &&
      node.argumentExpression.text === 'env' &&
      isProcess(node.expression)
    ) {
      found.push(`process['env'] (${where(node)})`);
    } else if (
      ts.isVariableDeclaration(node) &&
      node.initializer &&
      isProcess(node.initializer) &&
      ts.isObjectBindingPattern(node.name) &&
      node.name.elements.some((e) => (e.propertyName ?? e.name).getText() === 'env')
    ) {
      found.push(`{ env } = process (${where(node)})`);
    } else if (
      ts.isImportDeclaration(node) &&
      ts.isStringLiteral(node.moduleSpecifier) &&
      /^(node:)?process$/.test(node.moduleSpecifier.text) &&
      node.importClause?.namedBindings &&
      ts.isNamedImports(node.importClause.namedBindings) &&
      node.importClause.namedBindings.elements.some((e) => (e.propertyName ?? e.name).text === 'env')
    ) {
      found.push(`import { env } from '${node.moduleSpecifier.text}' (${where(node)})`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

export function envViolations(root: string, modules: readonly IModule[]): Violation[] {
  const violations: Violation[] = [];
  for (const m of modules) {
    if (!/^src\/.+\.(ts|mts|cts|js|mjs)$/.test(m.source) || /^src\/(config|devtools)\//.test(m.source)) continue;
    for (const read of envReads(m.source, readFileSync(join(root, m.source), 'utf8'))) {
      violations.push({ rule: 'only-config-reads-env', file: m.source, detail: read });
    }
  }
  return violations;
}
