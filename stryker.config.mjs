// @ts-check
/**
 * Mutation testing of the engine's cache core (`make mutation`; not in CI, it takes tens of minutes): StrykerJS
 * changes one operator, condition or constant at a time in the files below and reruns the tests that cover it
 * (test/mutation.vitest.config.ts lists them); a mutant no test notices is a behaviour no test pins. The
 * clear-text report prints the score per file.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'test/mutation.vitest.config.ts', related: false },
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.mutation.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  coverageAnalysis: 'perTest',
  mutate: [
    'engine/store/store.ts',
    'engine/store/lock.ts',
    'engine/plan/plan.ts',
    'engine/plan/key.ts',
    'engine/files/hash.ts',
    'engine/render/values.ts',
  ],
  // The sandbox needs the sources and tests, not the results, data or caches.
  ignorePatterns: ['artifacts', 'data', 'build', '.cache', 'reports', 'bench', '.gl', '.whl', '.bundle', 'tmp'],
  concurrency: 2,
  timeoutMS: 30_000,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportMutants: true, reportScoreTable: true },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
