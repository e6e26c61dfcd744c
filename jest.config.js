/** @type {import('jest').Config} */
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json' }];

module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      rootDir: '.',
      roots: ['<rootDir>/src', '<rootDir>/test'],
      testMatch: ['**/*.spec.ts'],
      testPathIgnorePatterns: ['\\.e2e-spec\\.ts$'],
      transform: { '^.+\\.ts$': tsJest },
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      rootDir: '.',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/build-dist.global-setup.js',
      transform: { '^.+\\.ts$': tsJest },
    },
  ],
  // Once per run, whatever the projects: installs the Debian packages of the test servers
  // (redis-server, haproxy, chromium) and starts one PostgreSQL cluster; see the file.
  globalSetup: '<rootDir>/test/support/servers/servers.global-setup.ts',
  globalTeardown: '<rootDir>/test/support/servers/servers.global-teardown.ts',
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  testTimeout: 20000,
};
