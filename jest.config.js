/** @type {import('jest').Config} */
module.exports = {
  rootDir: '.',
  // bench/ has its own dependencies and test/runtimes/ holds Node binaries: not for jest to crawl.
  modulePathIgnorePatterns: ['<rootDir>/bench/', '<rootDir>/test/runtimes/'],
  testMatch: ['<rootDir>/test/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.json' }],
  },
  // Tests import the library by its package name, as users do; jest maps it to the sources.
  moduleNameMapper: {
    '^nestjs-tracing$': '<rootDir>/lib/index.ts',
    '^nestjs-tracing/register$': '<rootDir>/lib/register.ts',
    '^nestjs-tracing/cluster$': '<rootDir>/lib/cluster.ts',
    '^nestjs-tracing/testing$': '<rootDir>/lib/testing.ts',
  },
  globalSetup: '<rootDir>/test/utils/global-setup.js',
  globalTeardown: '<rootDir>/test/utils/global-teardown.js',
  testTimeout: 60000,
  maxWorkers: 2,
};
