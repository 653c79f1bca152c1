import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

/**
 * The environment variables the code reads, found in the source itself (not in a list that could
 * drift): the keys of every environment schema with their defaults, bounds and allowed values, and
 * every direct read of `process.env`. docs/configuration.md's table is generated from this.
 */
/** Where settings are read: every TypeScript file the functions, local mode and the CLI run. */
export const SOURCE_DIRS = ['lib', 'functions'] as const;
const SETTING_NAME = /^[A-Z][A-Z0-9_]*$/;

/** What the source says about one setting. */
export interface SettingInCode {
  readonly name: string;
  readonly files: Set<string>;
  /** The default the code applies (a schema's `.default(…)` or `env.X ?? …`), when it is a literal. */
  defaultValue?: string | number;
  /** Bounds of a numeric schema entry (`z.coerce.number().min(…).max(…)`). */
  min?: number;
  max?: number;
  /** Values of a `z.enum([...])` entry. */
  allowed?: readonly string[];
}

/** A literal, or arithmetic on literals (`7 * 86_400`); undefined for anything else. */
function evaluate(node: ts.Expression): string | number | undefined {
  if (ts.isNumericLiteral(node)) return Number(node.text.replace(/_/g, ''));
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isParenthesizedExpression(node)) return evaluate(node.expression);
  if (ts.isBinaryExpression(node)) {
    const left = evaluate(node.left);
    const right = evaluate(node.right);
    if (typeof left !== 'number' || typeof right !== 'number') return undefined;
    if (node.operatorToken.kind === ts.SyntaxKind.AsteriskToken) return left * right;
    if (node.operatorToken.kind === ts.SyntaxKind.PlusToken) return left + right;
    if (node.operatorToken.kind === ts.SyntaxKind.MinusToken) return left - right;
  }
  return undefined;
}

/** `process.env`, `io.env`, `options.env` or a plain `env`: an object of environment variables. */
function isEnvironment(node: ts.Expression): boolean {
  return (ts.isIdentifier(node) && node.text === 'env') || (ts.isPropertyAccessExpression(node) && node.name.text === 'env');
}

/** The variable name when `node` reads one from an environment object (`env.X`, `env['X']`). */
function environmentRead(node: ts.Node): string | undefined {
  if (ts.isPropertyAccessExpression(node) && isEnvironment(node.expression) && SETTING_NAME.test(node.name.text)) return node.name.text;
  if (ts.isElementAccessExpression(node) && isEnvironment(node.expression) && ts.isStringLiteral(node.argumentExpression)) {
    return SETTING_NAME.test(node.argumentExpression.text) ? node.argumentExpression.text : undefined;
  }
  return undefined;
}

/** The calls of a chain such as `z.coerce.number().int().min(10).default(120)`, outermost first. */
function callChain(node: ts.Expression): { readonly method: string; readonly args: readonly ts.Expression[] }[] {
  const calls: { method: string; args: readonly ts.Expression[] }[] = [];
  let current: ts.Expression = node;
  for (;;) {
    if (ts.isCallExpression(current) && ts.isPropertyAccessExpression(current.expression)) {
      calls.push({ method: current.expression.name.text, args: current.arguments });
      current = current.expression.expression;
    } else if (ts.isPropertyAccessExpression(current)) {
      current = current.expression;
    } else {
      return calls;
    }
  }
}

/**
 * Every environment variable the code reads: the keys of an environment schema (a `z.object` whose
 * keys are all variable names) with their defaults, bounds and allowed values, and every direct read
 * (`process.env.X`, `env['X']`, `const { X } = process.env`) with its `?? default`.
 */
export function settingsInCode(): Map<string, SettingInCode> {
  const settings = new Map<string, SettingInCode>();
  const note = (name: string, file: string): SettingInCode => {
    const setting = settings.get(name) ?? { name, files: new Set<string>() };
    setting.files.add(file);
    settings.set(name, setting);
    return setting;
  };
  const files = SOURCE_DIRS.flatMap((dir) =>
    readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((path) => path.endsWith('.ts') && !path.endsWith('.d.ts'))
      .map((path) => join(dir, path)),
  );
  for (const file of files) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      const read = environmentRead(node);
      if (read !== undefined) note(read, file);
      if (ts.isBinaryExpression(node) && (node.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken || node.operatorToken.kind === ts.SyntaxKind.BarBarToken)) {
        const name = environmentRead(node.left);
        const fallback = evaluate(node.right);
        if (name !== undefined && fallback !== undefined) note(name, file).defaultValue = fallback;
      }
      if (ts.isVariableDeclaration(node) && ts.isObjectBindingPattern(node.name) && node.initializer !== undefined && isEnvironment(node.initializer)) {
        for (const element of node.name.elements) {
          const key = element.propertyName ?? element.name;
          if (ts.isIdentifier(key) && SETTING_NAME.test(key.text)) note(key.text, file);
        }
      }
      if (
        ts.isCallExpression(node) &&
        ts.isPropertyAccessExpression(node.expression) &&
        ['object', 'strictObject', 'looseObject'].includes(node.expression.name.text) &&
        node.arguments[0] !== undefined &&
        ts.isObjectLiteralExpression(node.arguments[0])
      ) {
        const properties = node.arguments[0].properties;
        const names = properties.map((p) => (p.name !== undefined && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) ? p.name.text : ''));
        if (properties.length > 0 && names.every((name) => SETTING_NAME.test(name))) {
          for (const property of properties) {
            if (!ts.isPropertyAssignment(property) || !(ts.isIdentifier(property.name) || ts.isStringLiteral(property.name))) continue;
            const setting = note(property.name.text, file);
            const calls = callChain(property.initializer);
            const numeric = calls.some((call) => call.method === 'number');
            for (const { method, args } of calls) {
              const first = args[0];
              if (first === undefined) continue;
              const value = evaluate(first);
              if (method === 'default' && value !== undefined) setting.defaultValue = value;
              if (numeric && method === 'min' && typeof value === 'number') setting.min = value;
              if (numeric && method === 'max' && typeof value === 'number') setting.max = value;
              if (method === 'enum' && ts.isArrayLiteralExpression(first)) {
                setting.allowed = first.elements.map((element) => evaluate(element)).filter((v): v is string => typeof v === 'string');
              }
            }
          }
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return settings;
}
