/**
 * The answers and events of the contract, expanded to their full shape with the TypeScript checker and
 * snapshotted. The engine models the contract reuses (registry, plan, IAM results) are part of what crosses
 * the boundary, so a change to them shows up here too and has to be accepted on purpose (`vitest -u`).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const here = path.dirname(fileURLToPath(import.meta.url));
const core = path.resolve(here, '..');

function expand(checker: ts.TypeChecker, type: ts.Type, stack: Set<ts.Type>, depth: number): string {
  if (type.isUnion()) {
    return type.types.map((member) => expand(checker, member, stack, depth)).join(' | ');
  }
  const symbol = type.getSymbol() ?? type.aliasSymbol;
  const declared = symbol?.declarations?.[0]?.getSourceFile().fileName;
  const ours = declared !== undefined && path.resolve(declared).startsWith(core + path.sep);
  if (checker.isArrayType(type)) {
    const [element] = checker.getTypeArguments(type as ts.TypeReference);
    const inner = expand(checker, element!, stack, depth);
    return inner.includes(' | ') ? `(${inner})[]` : `${inner}[]`;
  }
  const isObject = (type.flags & ts.TypeFlags.Object) !== 0;
  if (!isObject || !ours || stack.has(type) || depth > 12) {
    return checker.typeToString(type, undefined, ts.TypeFormatFlags.NoTruncation);
  }
  stack.add(type);
  const indent = '  '.repeat(depth + 1);
  const lines: string[] = [];
  for (const info of checker.getIndexInfosOfType(type)) {
    lines.push(
      `${indent}[key: ${checker.typeToString(info.keyType)}]: ${expand(checker, info.type, stack, depth + 1)};`,
    );
  }
  for (const property of checker.getPropertiesOfType(type)) {
    const declaration = property.valueDeclaration ?? property.declarations?.[0];
    if (!declaration) continue;
    const propertyType = checker.getTypeOfSymbolAtLocation(property, declaration);
    const optional = (property.flags & ts.SymbolFlags.Optional) !== 0;
    const printed = expand(
      checker,
      optional ? checker.getNonNullableType(propertyType) : propertyType,
      stack,
      depth + 1,
    );
    lines.push(`${indent}${property.name}${optional ? '?' : ''}: ${printed};`);
  }
  stack.delete(type);
  return `{\n${lines.join('\n')}\n${'  '.repeat(depth)}}`;
}

describe('contract answers and events', () => {
  it('match the snapshot', () => {
    const file = path.join(here, 'api.ts');
    const program = ts.createProgram([file], {
      target: ts.ScriptTarget.ES2023,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      strict: true,
      skipLibCheck: true,
      noEmit: true,
      types: [],
    });
    const checker = program.getTypeChecker();
    const source = program.getSourceFile(file)!;
    const shapes: Record<string, string> = {};
    ts.forEachChild(source, (node) => {
      if (!ts.isInterfaceDeclaration(node) || !['Outputs', 'Events'].includes(node.name.text)) return;
      const map = checker.getTypeAtLocation(node);
      for (const service of checker.getPropertiesOfType(map)) {
        const serviceType = checker.getTypeOfSymbolAtLocation(service, node);
        for (const method of checker.getPropertiesOfType(serviceType)) {
          const methodType = checker.getTypeOfSymbolAtLocation(method, node);
          shapes[`${node.name.text === 'Outputs' ? 'answer' : 'event'} ${service.name}.${method.name}`] =
            expand(checker, methodType, new Set(), 0);
        }
      }
    });
    expect(Object.keys(shapes).length).toBeGreaterThan(15);
    expect(shapes).toMatchSnapshot();
  });
});
