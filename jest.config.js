// jose 6, @middy/core 7 and openid-client 6 (with oauth4webapi) ship ESM only. Jest runs CommonJS
// here, so ts-jest also transpiles those packages, and @middy/* (whose exports maps have only an
// `import` entry) are mapped to their files directly, because jest's CommonJS resolver never asks
// for the `import` condition.
// Type-checking is `npm run build` (tsc); ts-jest only transpiles, which keeps the suite fast.
const common = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.[tj]s$': [
      'ts-jest',
      {
        tsconfig: {
          allowJs: true,
          module: 'commonjs',
          moduleResolution: 'node10',
          isolatedModules: true,
          esModuleInterop: true,
        },
        diagnostics: false,
      },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!(jose|@middy|openid-client|oauth4webapi)/)'],
  moduleNameMapper: { '^@middy/([a-z-]+)$': '<rootDir>/node_modules/@middy/$1/index.js' },
  setupFilesAfterEnv: ['<rootDir>/test/support/capture-logs.ts'],
};

export default {
  projects: [
    {
      ...common,
      displayName: 'unit',
      // The browser client's own unit tests live beside it (browser-client/test).
      testMatch: ['<rootDir>/test/unit/**/*.test.ts', '<rootDir>/browser-client/test/**/*.test.ts'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      testTimeout: 30000,
    },
    { ...common, displayName: 'infra', testMatch: ['<rootDir>/test/infra/**/*.test.ts'], testTimeout: 120000 },
  ],
};
