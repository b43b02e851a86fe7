/**
 * One JSON line per log record on stdout, the shape Pepr's pino logger writes (level, time, msg, fields), so the
 * REST server's pods read like the module's. Hand-written: four lines, and pino would add a dependency to the bundle
 * for nothing it needs. Callers never pass a token (auth.ts keeps only its hash).
 */
import type { ServiceContext } from "./contract";

const LEVELS = { info: 30, warn: 40, error: 50 } as const;

export const jsonLog: ServiceContext["log"] = {
  info: (msg, fields) => write("info", msg, fields),
  warn: (msg, fields) => write("warn", msg, fields),
  error: (msg, fields) => write("error", msg, fields),
};

function write(level: keyof typeof LEVELS, msg: string, fields?: Record<string, unknown>) {
  process.stdout.write(`${JSON.stringify({ level: LEVELS[level], time: Date.now(), name: "o2ims-api", msg, ...fields })}\n`);
}
