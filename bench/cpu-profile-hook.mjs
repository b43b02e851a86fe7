/*
 * Preloaded into the module process by `npm run bench -- --profile` (NODE_OPTIONS=--import <this file>; Node 20
 * refuses --cpu-prof in NODE_OPTIONS). Profiles the module with the in-process inspector over the windows the
 * benchmark asks for: it polls $BENCH_PROFILE_DIR/control, whose text is "start <label>" or "stop <label>", and on
 * stop writes <label>.cpuprofile (Chrome DevTools format), <label>.heapprofile (sampling heap profile: live
 * allocations of the window by allocation site), <label>.memory.json (process.memoryUsage()) and then
 * <label>.done. Only the process running the module bundle profiles (the harness's watchdog loads this file too).
 */
/* global process, setInterval */
import fs from "node:fs";
import inspector from "node:inspector";
import path from "node:path";

const dir = process.env.BENCH_PROFILE_DIR;
if (dir && (process.argv[1] || "").endsWith("pepr-o-cloud-provisioner.js")) {
  const session = new inspector.Session();
  session.connect();
  const post = (method, params) =>
    new Promise((resolve, reject) => session.post(method, params || {}, (e, r) => (e ? reject(e) : resolve(r))));
  let last = "";
  let busy = false;
  const poll = async () => {
    let text = "";
    try {
      text = fs.readFileSync(path.join(dir, "control"), "utf8").trim();
    } catch {
      return;
    }
    if (text === last) return;
    last = text;
    const [what, label] = text.split(/\s+/);
    try {
      if (what === "start") {
        await post("Profiler.enable");
        await post("Profiler.setSamplingInterval", { interval: 1000 });
        await post("Profiler.start");
        // What the heap holds at the end of the window, by allocation site (allocations of the window only).
        await post("HeapProfiler.enable");
        await post("HeapProfiler.startSampling", { samplingInterval: 65536 });
      } else if (what === "stop") {
        const { profile } = await post("Profiler.stop");
        fs.writeFileSync(path.join(dir, `${label}.cpuprofile`), JSON.stringify(profile));
        const heap = await post("HeapProfiler.getSamplingProfile");
        await post("HeapProfiler.stopSampling");
        fs.writeFileSync(path.join(dir, `${label}.heapprofile`), JSON.stringify(heap.profile));
        fs.writeFileSync(path.join(dir, `${label}.memory.json`), JSON.stringify(process.memoryUsage()));
        fs.writeFileSync(path.join(dir, `${label}.done`), String(process.pid));
      }
    } catch (e) {
      fs.writeFileSync(path.join(dir, `${label}.error`), String(e && e.stack ? e.stack : e));
    }
  };
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    poll().finally(() => (busy = false));
  }, 200);
  timer.unref();
}
