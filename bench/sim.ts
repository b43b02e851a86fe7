/** Starts and stops the simulator process (bench/sim-process.ts). */
import { ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..");

export class SimProcess {
  private child?: ChildProcess;

  constructor(
    private readonly kubeconfig: string,
    private readonly logFile: string,
  ) {}

  get pid(): number | undefined {
    return this.child?.exitCode === null ? this.child.pid : undefined;
  }

  /** Starts it and resolves once its caches are synced and its first reconciles are done. */
  async start(timeoutMs = 120_000): Promise<void> {
    if (this.pid) return;
    const err = fs.openSync(this.logFile, "a");
    const child = spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "sim-process.ts"), this.kubeconfig, "0"], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", err],
    });
    fs.closeSync(err);
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      let out = "";
      const timer = setTimeout(
        () => reject(new Error(`simulator not ready after ${timeoutMs} ms (log: ${this.logFile})`)),
        timeoutMs,
      );
      child.stdout!.on("data", (c: Buffer) => {
        out += c.toString();
        if (out.includes("ready\n")) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once("exit", code => {
        clearTimeout(timer);
        reject(new Error(`simulator exited with ${code} (log: ${this.logFile})`));
      });
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise(r => child.once("exit", r));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  }
}
