/**
 * `npm run test:conformance`: the generated objects against the real Cluster API v1.10 + BYOH v0.5.0 managers
 * (local/capi) on a local plane. Not part of `npm test`: the first run builds the managers (~15 min on 2 cores),
 * a cached run takes a few minutes. Same transforms as jest.config.js.
 */
/* global module, require */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest reads CommonJS configs
const base = require("./jest.config.js");
const project = { ...base.projects[0] };
delete project.displayName;
delete project.testMatch;
module.exports = {
  projects: [{ ...project, displayName: "conformance", testMatch: ["<rootDir>/test/conformance/**/*.test.ts"] }],
  testTimeout: 600000,
  // BYOH v0.5.0 serves its webhook on the fixed port 9443: one suite (one BYOH manager) at a time.
  maxWorkers: 1,
};
