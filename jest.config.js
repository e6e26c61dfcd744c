/** @type {import('jest').Config} */
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json' }];
// jose ships only ES modules; Node's require(esm) loads them in dist/, but Jest's own
// module loader (Node 20) cannot, so its files are compiled to CommonJS for the tests.
const esmOnly = ['jose'];
const esmTransform = {
  [`/node_modules/(${esmOnly.join('|')})/.+\\.js$`]: ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs', target: 'ES2022', isolatedModules: true } }],
  '^.+\\.ts$': tsJest,
};
const transformIgnorePatterns = [`/node_modules/(?!(${esmOnly.join('|')})/)`];

module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      rootDir: '.',
      roots: ['<rootDir>/src', '<rootDir>/test'],
      testMatch: ['**/*.spec.ts'],
      testPathIgnorePatterns: ['\\.e2e-spec\\.ts$'],
      transform: esmTransform,
      transformIgnorePatterns,
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      rootDir: '.',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/build-dist.global-setup.js',
      transform: esmTransform,
      transformIgnorePatterns,
    },
  ],
  // Once per run, whatever the projects: installs the Debian packages of the test servers
  // (redis-server, haproxy, chromium) and starts one PostgreSQL cluster; see the file.
  globalSetup: '<rootDir>/test/support/servers/servers.global-setup.ts',
  globalTeardown: '<rootDir>/test/support/servers/servers.global-teardown.ts',
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  testTimeout: 20000,
};
