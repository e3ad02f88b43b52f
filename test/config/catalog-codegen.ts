/**
 * Generates `BedrockModel`'s constants from the catalog table (`src/config/catalog/bedrock-models.ts`) into the
 * marked block of `src/config/bedrock-model.ts`, and the README's coverage table. Run `npx projen catalog`;
 * test/config/bedrock-model.test.ts fails when either committed block differs from what this renders.
 */
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { CATALOG_VERSION, CatalogModel, MODELS } from '../../src/config/catalog/bedrock-models';

export const MODEL_FILE = join(__dirname, '..', '..', 'src', 'config', 'bedrock-model.ts');
export const README_FILE = join(__dirname, '..', '..', 'README.md');
const README_BEGIN = '<!-- catalog:begin';
const README_END = '<!-- catalog:end -->';
const BEGIN = '  // catalog:begin';
const END = '  // catalog:end';

const CAPABILITY_TEXT: Record<string, string> = { chat: 'chat', embedding: 'embeddings', rerank: 'rerank' };

function member(row: CatalogModel): string {
  const profiles = Object.keys(row.profiles);
  const where = profiles.length > 0
    ? `inference profiles ${profiles.map((p) => `\`${p}.\``).join(', ')}`
    : 'in-Region only (no cross-Region profile)';
  const inputs = row.inputModalities.join(', ');
  return [
    '  /**',
    `   * ${row.name} (\`${row.id}\`): ${CAPABILITY_TEXT[row.capability]}, ${row.contextWindow.toLocaleString('en-US')}-token context, input ${inputs}; ${where}.`,
    '   */',
    `  public static readonly ${row.constant} = BedrockModel.catalogued('${row.id}');`,
  ].join('\n');
}

/** The generated block, markers included. */
export function renderCatalogBlock(rows: readonly CatalogModel[] = MODELS): string {
  const begin = `${BEGIN} — generated from src/config/catalog/bedrock-models.ts by \`npx projen catalog\`; do not edit by hand.`;
  return [begin, ...rows.map(member), END].join('\n');
}

/** The model file with its generated block replaced by a fresh rendering. */
export function regenerate(source: string): string {
  const start = source.indexOf(BEGIN);
  const end = source.indexOf(END);
  if (start < 0 || end < start) {
    throw new Error(`${MODEL_FILE}: the '${BEGIN.trim()}' … '${END.trim()}' markers are missing.`);
  }
  return source.slice(0, start) + renderCatalogBlock() + source.slice(end + END.length);
}

/** The README's coverage table, markers included. */
export function renderReadmeTable(rows: readonly CatalogModel[] = MODELS): string {
  const lines = [
    `${README_BEGIN} generated from src/config/catalog/bedrock-models.ts (table of ${CATALOG_VERSION}) by \`npx projen catalog\` -->`,
    '| Constant | Model id | Serves | Context (tokens) | Cross-Region profiles |',
    '|---|---|---|---|---|',
    ...rows.map((r) => {
      const profiles = Object.keys(r.profiles).map((p) => `\`${p}.\``).join(' ') || 'in-Region only';
      return `| \`${r.constant}\` | \`${r.id}\` | ${CAPABILITY_TEXT[r.capability]} | ${r.contextWindow.toLocaleString('en-US')} | ${profiles} |`;
    }),
    README_END,
  ];
  return lines.join('\n');
}

/** The README with its coverage table replaced by a fresh rendering. */
export function regenerateReadme(source: string): string {
  const start = source.indexOf(README_BEGIN);
  const end = source.indexOf(README_END);
  if (start < 0 || end < start) {
    throw new Error(`${README_FILE}: the '${README_BEGIN}' … '${README_END}' markers are missing.`);
  }
  return source.slice(0, start) + renderReadmeTable() + source.slice(end + README_END.length);
}

if (require.main === module) {
  for (const [file, render] of [[MODEL_FILE, regenerate], [README_FILE, regenerateReadme]] as const) {
    const before = readFileSync(file, 'utf8');
    const after = render(before);
    writeFileSync(file, after);
    process.stdout.write(before === after ? `${file}: up to date\n` : `${file}: regenerated\n`);
  }
}
