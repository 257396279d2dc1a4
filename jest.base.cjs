// Shared jest settings: TypeScript through SWC (type checking is `tsc`'s job, in `typecheck`),
// and workspace packages resolved to their sources through the `@pipeline/source` export condition,
// so tests never need a prior build.
const path = require('node:path');

/** @param {string} dir the package folder */
module.exports = function jestConfig(dir, overrides = {}) {
  return {
    rootDir: dir,
    testEnvironment: 'node',
    testMatch: ['<rootDir>/test/**/*.test.ts'],
    transform: {
      '^.+\\.(t|j|mj)sx?$': [
        require.resolve('@swc/jest', { paths: [dir, __dirname] }),
        {
          jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
          module: { type: 'commonjs' },
          sourceMaps: 'inline',
        },
      ],
    },
    // hyparquet is published as ES modules only: let SWC turn it into CommonJS for jest.
    transformIgnorePatterns: ['/node_modules/(?!(\\.pnpm/)?(hyparquet|hyparquet-compressors))'],
    testEnvironmentOptions: { customExportConditions: ['@pipeline/source', 'node', 'require', 'default'] },
    moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
    ...overrides,
  };
};
module.exports.root = path.resolve(__dirname);
