/**
 * Three projects: pure unit tests, integration tests against the real database, and browser
 * tests in headless Chromium (test/helpers/browser.ts) against the app and the real database.
 */
const transform = { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2023' } }] };

/** @type {import('jest').Config} */
module.exports = {
  // A global option: jest ignores testTimeout inside a project's config.
  testTimeout: 30000,
  globalSetup: '<rootDir>/test/helpers/globalSetup.ts',
  globalTeardown: '<rootDir>/test/helpers/globalTeardown.ts',
  reporters: ['default', ['<rootDir>/test/helpers/countReporter.js', {}]],
  projects: [
    {
      displayName: 'unit',
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
      transform,
      testEnvironment: 'node',
    },
    {
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      setupFiles: ['<rootDir>/test/helpers/setupDataKeys.ts'],
      transform,
      testEnvironment: 'node',
    },
    {
      displayName: 'browser',
      testMatch: ['<rootDir>/test/browser/**/*.test.ts'],
      setupFiles: ['<rootDir>/test/helpers/setupDataKeys.ts'],
      transform,
      testEnvironment: 'node',
    },
  ],
};
