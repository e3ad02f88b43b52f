import * as fs from 'fs';
import * as path from 'path';

/**
 * The public docs explain in words: internal requirement ids (`S-FIX-7`, `S-LB-2`, …) point at a document that is not
 * in the repository, so they stay out of the README, API.md (generated from the source's doc comments), the source
 * and the names of tests.
 */
const ROOT = path.join(__dirname, '..');
const REQUIREMENT_ID = /\bS-[A-Z]{2,5}(?:-[A-Z0-9]+)+\b/;

function files(dir: string, ext: RegExp): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === '__snapshots__' || e.name.endsWith('.snapshot') ? [] : files(full, ext);
    return ext.test(e.name) ? [full] : [];
  });
}

function idsIn(file: string): string[] {
  return fs.readFileSync(file, 'utf8').split('\n')
    .map((line, i) => [line, i + 1] as const)
    .filter(([line]) => REQUIREMENT_ID.test(line))
    .map(([line, n]) => `${path.relative(ROOT, file)}:${n}: ${line.trim()}`);
}

test('the pattern finds an id', () => {
  expect(REQUIREMENT_ID.test('probes use /health/liveliness (S-FIX-2)')).toBe(true);
  expect(REQUIREMENT_ID.test('S-…, ANTHROPIC, US-EAST-1')).toBe(false);
});

test.each(['README.md', 'API.md'])('%s holds no requirement id', (file) => {
  expect(idsIn(path.join(ROOT, file))).toEqual([]);
});

test('the source, the examples and the integ apps hold no requirement id', () => {
  const sources = [...files(path.join(ROOT, 'src'), /\.ts$/), ...files(path.join(ROOT, 'integ'), /\.ts$/)];
  expect(sources.flatMap(idsIn)).toEqual([]);
});

test('no test is named after a requirement id', () => {
  const names = files(path.join(ROOT, 'test'), /\.test\.ts$/).flatMap((file) => {
    const text = fs.readFileSync(file, 'utf8');
    return [...text.matchAll(/(?<![.\w])(?:test|it|describe)(?:\.each\([^)]*\))?\(\s*(['`"])(.*?)\1/g)]
      .map((m) => m[2])
      .filter((name) => REQUIREMENT_ID.test(name))
      .map((name) => `${path.relative(ROOT, file)}: ${name}`);
  });
  expect(names).toEqual([]);
});
