import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeRegistry } from '../core/registry/codec';
import { toRegistryModel } from '../core/registry/convert';
import { DEMO_PROJECT, TRANSFORMED_CONV_RATE_SOURCE } from '../core/testing/demo-repo';
import { DEMO_DIR, staleDemoFiles } from './build-demo';

describe('the demo repo', () => {
  it('has every generated file committed exactly as scripts/build-demo.ts writes it', async () => {
    expect(await staleDemoFiles()).toEqual([]);
  });

  it('keeps features.py in step with the registry', async () => {
    const features = await readFile(join(DEMO_DIR, 'features.py'), 'utf8');
    const model = toRegistryModel(
      decodeRegistry(new Uint8Array(await readFile(join(DEMO_DIR, 'data', 'registry.db'))), 'demo'),
      DEMO_PROJECT,
    );
    // Feast stores inspect.getsource() of the decorated function: the same text must be in features.py.
    expect(model.onDemandFeatureViews[0]?.transformation.sourceText).toBe(TRANSFORMED_CONV_RATE_SOURCE);
    expect(features).toContain(`\n\n${TRANSFORMED_CONV_RATE_SOURCE}\n`);
    const names = [
      ...model.entities,
      ...model.dataSources,
      ...model.featureViews,
      ...model.featureServices,
    ].map((o) => o.name);
    for (const name of names) expect(features, name).toContain(`name="${name}"`);
    for (const view of model.featureViews) {
      for (const feature of view.features) expect(features, feature.name).toContain(`name="${feature.name}"`);
    }
  });
});
