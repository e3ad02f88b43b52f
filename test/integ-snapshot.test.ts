import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';

// integ-runner compares templates with asset hashes masked, so a change to a handler, the callback or the image
// folder alone would pass `npx projen integ` against a stale snapshot. Asset ids are content hashes: equal ids, equal
// code. Only the project's own assets (Python and the Dockerfile) are compared: integ-runner synthesizes with
// feature flags that add CDK's own handlers, which a plain App does not.
test('the committed integ snapshot holds exactly the project\'s assets that the integ app synthesizes now', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { integStack } = require('../integ/integ.llm-gateway') as { integStack: Stack };
  const assembly = App.of(integStack)!.synth();
  const ownAssets = (dir: string) => {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, `${integStack.artifactId}.assets.json`), 'utf8'));
    const entries = [...Object.entries(manifest.files ?? {}), ...Object.entries(manifest.dockerImages ?? {})] as [string, any][];
    return entries
      .filter(([, asset]) => {
        const folder = path.join(dir, asset.source.path ?? asset.source.directory);
        return fs.statSync(folder).isDirectory() && fs.readdirSync(folder, { recursive: true })
          .some((f) => /\.py$|(^|[\\/])Dockerfile$/.test(String(f)));
      })
      .map(([id]) => id)
      .sort();
  };
  const fresh = ownAssets(assembly.directory);
  expect(fresh.length).toBeGreaterThanOrEqual(3); // the image, the key handler, the migration handler
  expect(fresh).toEqual(ownAssets(path.join(__dirname, '..', 'integ', 'integ.llm-gateway.ts.snapshot')));
});
