/**
 * Planes this process owns. If it exits before stopping them (an uncaught error, Ctrl-C, a jest worker being
 * torn down) the exit handlers end them synchronously; a SIGKILL skips these handlers, and then the
 * supervisor notices its owner is gone within a second.
 */
import fs from "node:fs";
import { files, PlaneState, readJson } from "./layout";
import { belongsTo, killGroup, killPid } from "./processes";

// Jest hands each test file a copy of `process` whose "exit" and signal listeners never fire, and a module
// registry of its own: the set and the handlers live on the real process, once for all test files.
const realProcess = process.getBuiltinModule("node:process");
const REGISTRY = Symbol.for("o-cloud-provisioner.owned-planes");

function registry(): Set<string> {
  const holder = realProcess as unknown as { [REGISTRY]?: Set<string> };
  if (holder[REGISTRY]) return holder[REGISTRY];
  const owned = new Set<string>();
  holder[REGISTRY] = owned;
  const endAllNow = () => {
    for (const dir of owned) {
      const state = readJson<PlaneState>(files(dir).state);
      if (state && belongsTo(state.supervisorPid, dir)) killGroup(state.supervisorPid);
      for (const pid of Object.values(state?.pids ?? {})) if (belongsTo(pid, dir)) killPid(pid);
      fs.rmSync(dir, { recursive: true, force: true });
    }
    owned.clear();
  };
  realProcess.on("exit", endAllNow);
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
    ["SIGHUP", 129],
  ] as const) {
    realProcess.on(signal, () => {
      endAllNow();
      realProcess.exit(code);
    });
  }
  return owned;
}

export const own = (dir: string) => void registry().add(dir);
export const disown = (dir: string) => void registry().delete(dir);
