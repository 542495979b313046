/**
 * The tests `make mutation` (stryker.config.mjs) runs against each mutant: the unit tests of the store, the
 * lease, the plan, the key, hashing and rendered values. They run in-process (no worker builds, one catalog
 * for all of the plan's tests), so a mutant takes seconds.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'test/engine/store.test.ts',
      'test/engine/lock.test.ts',
      'test/engine/key-golden.test.ts',
      'test/engine/plan-data.test.ts',
      'test/engine/plan-branches.test.ts',
      'test/render/values.test.ts',
    ],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
