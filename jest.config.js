/** Unit tests need nothing; integration tests start real control planes (local/plane). */
const transform = {
  "^.+\\.ts$": ["ts-jest", { isolatedModules: true, tsconfig: { module: "commonjs", esModuleInterop: true } }],
};
module.exports = {
  projects: [
    { displayName: "unit", testMatch: ["<rootDir>/test/unit/**/*.test.ts"], transform, testEnvironment: "node" },
    {
      displayName: "integration",
      testMatch: ["<rootDir>/test/integration/**/*.test.ts"],
      transform,
      testEnvironment: "node",
    },
  ],
  testTimeout: 300000,
};
