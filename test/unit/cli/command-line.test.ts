/**
 * Every command, run as a user runs it (the bin, or tsx for the scripts): --help prints the usage on stdout and
 * exits 0; an unknown flag or a bad number exits 2 naming it on stderr; `render -` reads stdin; `start --help`
 * starts nothing.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const ROOT = path.resolve(__dirname, "../../..");
const BIN = path.join(ROOT, "bin/o-cloud-provisioner.js");
const TSX = path.join(ROOT, "node_modules/.bin/tsx");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function run(argv: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  const started = Date.now();
  const child = spawn(process.execPath, argv, { cwd: ROOT, env: { ...process.env, ...opts.env } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", d => (stdout += d));
  child.stderr.on("data", d => (stderr += d));
  child.stdin.end(opts.input ?? "");
  return new Promise(resolve => child.on("close", code => resolve({ code, stdout, stderr, ms: Date.now() - started })));
}

/** How each command is started, by its name in the usage line. */
const COMMANDS: Record<string, string[]> = {
  "o-cloud-provisioner render": [BIN, "render"],
  "o-cloud-provisioner describe": [BIN, "describe"],
  "o-cloud-provisioner start": [BIN, "start"],
  "o-cloud-provisioner plane": [BIN, "plane"],
  "npx tsx local/sim/cli.ts": [TSX, "local/sim/cli.ts"],
  "npx tsx local/sim/scale.ts": [TSX, "local/sim/scale.ts"],
  "npm run bench --": [TSX, "bench/run.ts"],
};
const names = Object.keys(COMMANDS);

describe("the bin", () => {
  it("--help lists the commands on stdout and exits 0", async () => {
    const r = await run([BIN, "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: o-cloud-provisioner <command>/);
    for (const c of ["render", "describe", "start", "plane"]) expect(r.stdout).toMatch(new RegExp(`^  ${c} `, "m"));
    expect(r.stderr).toBe("");
  });

  it("an unknown or missing command exits 2 naming it", async () => {
    const [unknown, missing] = await Promise.all([run([BIN, "deploy"]), run([BIN])]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^unknown command "deploy"/);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^missing command/);
    expect(unknown.stdout + missing.stdout).toBe("");
  });
});

describe("every command", () => {
  it.concurrent.each(names)("%s --help prints its usage on stdout and exits 0", async name => {
    const r = await run([...COMMANDS[name], "--help"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith(`usage: ${name}`)).toBe(true);
    expect(r.stdout).toMatch(/-h, --help/);
  });

  it.concurrent.each(names)("%s exits 2 on an unknown flag, naming it on stderr", async name => {
    const r = await run([...COMMANDS[name], "--frobnicate", "x"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Unknown option '--frobnicate'/);
    expect(r.stderr).toContain(`usage: ${name}`);
    expect(r.stdout).toBe("");
  });

  const badNumbers: [string, string[], string][] = [
    ["o-cloud-provisioner start", ["--hosts", "many"], '--hosts: expected an integer >= 0, got "many"'],
    ["o-cloud-provisioner plane", ["up", "--owner", "pid"], '--owner: expected an integer >= 1, got "pid"'],
    ["npx tsx local/sim/cli.ts", ["--hosts=2.5"], '--hosts: expected an integer >= 0, got "2.5"'],
    ["npx tsx local/sim/scale.ts", ["--clusters", "0"], '--clusters: expected an integer >= 1, got "0"'],
    ["npm run bench --", ["--n", "50,lots"], '--n: expected an integer >= 1, got "lots"'],
  ];
  it.concurrent.each(badNumbers)("%s %j exits 2 naming the flag", async (name, args, message) => {
    const r = await run([...COMMANDS[name], ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr.split("\n")[0]).toBe(message);
    expect(r.stdout).toBe("");
  });

  it.concurrent("exits 2 on a missing value or argument", async () => {
    const [value, argument] = await Promise.all([run([BIN, "describe", "x", "--context"]), run([BIN, "describe"])]);
    expect(value.code).toBe(2);
    expect(value.stderr).toMatch(/--context <value>' argument missing/);
    expect(argument.code).toBe(2);
    expect(argument.stderr).toMatch(/^missing the name of a request/);
  });
});

describe("render", () => {
  it("reads - as stdin, with the same output as from the file", async () => {
    const file = path.join(ROOT, "examples/render/edge-focom.yaml");
    const [fromFile, fromStdin] = await Promise.all([
      run([BIN, "render", file]),
      run([BIN, "render", "-"], { input: fs.readFileSync(file, "utf8") }),
    ]);
    expect(fromFile.code).toBe(0);
    expect(fromFile.stdout).toMatch(/^apiVersion: /); // nothing but YAML on stdout: it can go to kubectl apply -f -
    expect(fromStdin.code).toBe(0);
    expect(fromStdin.stdout).toBe(fromFile.stdout);
  });
});

describe("start --help", () => {
  it("starts nothing: it returns at once and creates no plane", async () => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), "ocp-start-help-"));
    const planes = path.join(parent, "planes");
    const r = await run([BIN, "start", "--help"], { env: { OCP_PLANES_DIR: planes } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--until-fulfilled/);
    expect(r.stderr).toBe("");
    expect(fs.existsSync(planes)).toBe(false);
    fs.rmSync(parent, { recursive: true, force: true });
    // A plane needs seconds to start; this is the time of loading the command alone (on a busy machine).
    expect(r.ms).toBeLessThan(20_000);
  });
});
