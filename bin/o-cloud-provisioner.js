#!/usr/bin/env node
/**
 * o-cloud-provisioner render|describe|start|plane [flags]: one entry point for the commands in cli/, which run from
 * their TypeScript source through tsx (a runtime dependency for this reason) in this same process. It prints
 * nothing of its own on stdout, so `npx o-cloud-provisioner render f.yaml | kubectl apply -f -` gets only YAML.
 */
/* global require, process, __dirname -- CommonJS run by node (eslint.config.mjs gives only .ts files node globals) */
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS: it registers tsx before any TypeScript loads */
"use strict";
const path = require("node:path");

const COMMANDS = {
  render: "print the Cluster API + BYOH objects a request would produce (a dry run)",
  describe: "print the request tree of a FocomProvisioningRequest or ProvisioningRequest",
  start: "run the built-in local setup (control planes, the module, simulated hosts, the example)",
  plane: "run a local control plane by hand (up | down | status)",
};
const USAGE = [
  "usage: o-cloud-provisioner <command> [flags]   (o-cloud-provisioner <command> --help for its flags)",
  "",
  ...Object.entries(COMMANDS).map(([name, what]) => `  ${name.padEnd(10)} ${what}`),
  "",
  "Common flags: --kubeconfig FILE, --context NAME, -n/--namespace NS (as kubectl), -h/--help.",
].join("\n");

const [command, ...args] = process.argv.slice(2);
if (command === "-h" || command === "--help") {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
if (!Object.hasOwn(COMMANDS, command ?? "")) {
  process.stderr.write(`${command === undefined ? "missing command" : `unknown command ${JSON.stringify(command)}`}\n${USAGE}\n`);
  process.exit(2);
}

require("tsx/cjs/api").register();
const file = path.join(__dirname, "..", "cli", `${command}.ts`);
// The command reads process.argv.slice(2) as if it had been run directly.
process.argv = [process.argv[0], file, ...args];
require(file);
