/**
 * docs/ARCHITECTURE.md draws the arrows between folders; this keeps the drawing true both ways:
 * every arrow it lists is an import somewhere in the code, and every import between two folders is
 * an arrow it lists. The folders are main/<area>, backend-lambda/<area>, renderer and shared.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

/** The folder a source file belongs to, as the document names it. */
export function unitOf(file: string): string {
  const [top, area, ...rest] = relative(root, file).split('/');
  if ((top === 'main' || top === 'backend-lambda') && rest.length > 0) return `${top}/${area}`;
  return top!;
}

/** Relative import specifiers of one file (static, re-exports and dynamic imports). */
export function importsOf(source: string): string[] {
  const found: string[] = [];
  const pattern = /(?:import|export)[^'"]*?from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)|^import\s+['"](\.[^'"]+)['"]/gm;
  for (const m of source.matchAll(pattern)) found.push((m[1] ?? m[2] ?? m[3])!);
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'dist' || name === 'cdk.out') return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every `from → to` arrow between two folders that the code has. */
function codeArrows(): Set<string> {
  const arrows = new Set<string>();
  for (const top of ['main', 'renderer', 'shared', 'backend-lambda']) {
    for (const file of sourceFiles(join(root, top))) {
      for (const spec of importsOf(readFileSync(file, 'utf8'))) {
        const from = unitOf(file);
        const to = unitOf(resolve(dirname(file), spec));
        if (from !== to) arrows.add(`${from} → ${to}`);
      }
    }
  }
  return arrows;
}

/** The arrows of the ```arrows block in docs/ARCHITECTURE.md, one `a → b` per line. */
function documentedArrows(): Set<string> {
  const doc = readFileSync(join(root, 'docs/ARCHITECTURE.md'), 'utf8');
  const block = /```arrows\n([\s\S]*?)```/.exec(doc);
  if (!block) throw new Error('docs/ARCHITECTURE.md has no ```arrows block');
  return new Set(
    block[1]!
      .split('\n')
      .map((line) => line.replace(/#.*/, '').trim())
      .filter(Boolean)
      .flatMap((line) => {
        // `a → b, c` is shorthand for `a → b` and `a → c`
        const [from, tos] = line.split('→').map((s) => s.trim());
        return tos!.split(',').map((to) => `${from} → ${to.trim()}`);
      }),
  );
}

describe('docs/ARCHITECTURE.md', () => {
  const inCode = codeArrows();
  const inDoc = documentedArrows();

  it('draws every arrow the code has', () => {
    expect([...inCode].filter((a) => !inDoc.has(a)).sort()).toEqual([]);
  });

  it('draws no arrow the code lacks', () => {
    expect([...inDoc].filter((a) => !inCode.has(a)).sort()).toEqual([]);
  });

  it('has no cycle between folders', () => {
    const next = new Map<string, string[]>();
    for (const a of inCode) {
      const [from, to] = a.split(' → ') as [string, string];
      next.set(from, [...(next.get(from) ?? []), to]);
    }
    const cycles: string[] = [];
    const visit = (node: string, path: string[]): void => {
      if (path.includes(node)) {
        cycles.push([...path.slice(path.indexOf(node)), node].join(' → '));
        return;
      }
      for (const to of next.get(node) ?? []) visit(to, [...path, node]);
    };
    for (const node of next.keys()) visit(node, []);
    expect(cycles).toEqual([]);
  });
});

describe('the import scanner itself', () => {
  it('finds static, type, re-export, side-effect and dynamic imports', () => {
    const source = [
      "import { a } from './a.ts';",
      "import type { B } from '../b.ts';",
      "export { c } from './c.ts';",
      "import './side.ts';",
      "const d = await import('./d.ts');",
      "import { e } from 'zod';",
    ].join('\n');
    expect(importsOf(source)).toEqual(['./a.ts', '../b.ts', './c.ts', './side.ts', './d.ts']);
  });

  it('names folders as the document does', () => {
    expect(unitOf(join(root, 'main/engine/file-run.ts'))).toBe('main/engine');
    expect(unitOf(join(root, 'backend-lambda/lib/storage/storage.ts'))).toBe('backend-lambda/lib');
    expect(unitOf(join(root, 'renderer/src/main.tsx'))).toBe('renderer');
    expect(unitOf(join(root, 'shared/api.ts'))).toBe('shared');
  });
});
