/**
 * Unit tests need nothing; integration tests start real control planes (local/plane).
 *
 * @kubernetes/client-node (the kubeconfig loader) and the packages it imports that ship only ES modules cannot be
 * required by jest's CommonJS runtime, so ts-jest transpiles them too (allowJs); everything else in node_modules
 * stays untransformed. The transpiled files are cached, so only the first run pays for them.
 */
const ESM_ONLY = ["@kubernetes/client-node", "openid-client", "oauth4webapi", "jose", "@apidevtools/json-schema-ref-parser"];
const tsJest = ["ts-jest", { isolatedModules: true, tsconfig: { module: "commonjs", esModuleInterop: true, allowJs: true } }];
const transform = { "^.+\\.ts$": tsJest, [`node_modules/(${ESM_ONLY.join("|")})/.+\\.js$`]: tsJest };
const transformIgnorePatterns = [`/node_modules/(?!(${ESM_ONLY.join("|")})/)`];
const project = { transform, transformIgnorePatterns, testEnvironment: "node" };
module.exports = {
  projects: [
    { displayName: "unit", testMatch: ["<rootDir>/test/unit/**/*.test.ts"], ...project },
    { displayName: "integration", testMatch: ["<rootDir>/test/integration/**/*.test.ts"], ...project },
  ],
  testTimeout: 300000,
};
