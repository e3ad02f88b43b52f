/**
 * Generates `BedrockModel`'s constants from the catalog table (`src/config/catalog/bedrock-models.ts`) into the
 * marked block of `src/config/bedrock-model.ts`. Run `npx projen catalog`; test/config/bedrock-model.test.ts fails
 * when the committed block differs from what this renders.
 */
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { CatalogModel, MODELS } from '../../src/config/catalog/bedrock-models';

export const MODEL_FILE = join(__dirname, '..', '..', 'src', 'config', 'bedrock-model.ts');
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

if (require.main === module) {
  const before = readFileSync(MODEL_FILE, 'utf8');
  const after = regenerate(before);
  writeFileSync(MODEL_FILE, after);
  process.stdout.write(before === after ? 'catalog constants up to date\n' : `catalog constants regenerated in ${MODEL_FILE}\n`);
}
