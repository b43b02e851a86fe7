/**
 * The command-line conventions of every command of this repository (cli/, local/sim, bench/), on node:util's
 * parseArgs (strict): --help/-h prints the usage on stdout and exits 0; an unknown flag, a missing value, an extra
 * argument or a bad number exits 2 with a message naming it on stderr; --kubeconfig, --context and -n/--namespace
 * mean what they mean to kubectl. It lives in kube/ because that is the one folder all of them may import (it
 * imports nothing of ours) and because the common flags are kubectl's connection flags.
 */
import { parseArgs, ParseArgsConfig } from "node:util";

type OptionSpecs = NonNullable<ParseArgsConfig["options"]>;

/** kubectl's connection flags. */
export const KUBE_FLAGS = {
  kubeconfig: { type: "string" },
  context: { type: "string" },
  namespace: { type: "string", short: "n" },
} as const satisfies OptionSpecs;

export const KUBE_FLAGS_USAGE = [
  "  --kubeconfig FILE      kubeconfig to use (default: the KUBECONFIG list, ~/.kube/config, or in-cluster)",
  "  --context NAME         kubeconfig context to use instead of its current-context",
  "  -n, --namespace NS     namespace (default: the context's namespace, else default)",
].join("\n");

const HELP = { help: { type: "boolean", short: "h" } } as const satisfies OptionSpecs;

type Config<O extends OptionSpecs> = { args: string[]; options: O & typeof HELP; strict: true; allowPositionals: true };
/** Typed values (string, boolean or their arrays, per option) and the positional arguments. */
export type ParsedCommand<O extends OptionSpecs> = ReturnType<typeof parseArgs<Config<O>>>;

export interface CommandSpec<O extends OptionSpecs> {
  /** The full help text (the first line is repeated after an error). */
  usage: string;
  options: O;
  /** How many positional arguments the command takes (default none), and what they are called in messages. */
  positionals?: { min?: number; max?: number; name?: string };
}

/** Prints the message and the usage line on stderr and exits 2, as for any command-line mistake. */
export function usageError(usage: string, message: string): never {
  process.stderr.write(`${message}\n${usage.split("\n")[0]}\n(--help for all options)\n`);
  process.exit(2);
}

/** Parses argv; exits 0 after --help and 2 on a mistake, so what it returns is valid. */
export function parseCommand<const O extends OptionSpecs>(argv: string[], spec: CommandSpec<O>): ParsedCommand<O> {
  let parsed: ParsedCommand<O>;
  try {
    parsed = parseArgs<Config<O>>({
      args: argv,
      options: { ...spec.options, ...HELP },
      strict: true,
      allowPositionals: true,
    });
  } catch (e) {
    // parseArgs names the flag: "Unknown option '--x'", "Option '--kubeconfig <value>' argument missing".
    return usageError(spec.usage, (e as Error).message);
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(`${spec.usage.trimEnd()}\n`);
    process.exit(0);
  }
  const { min = 0, max = 0, name = "argument" } = spec.positionals ?? {};
  const n = parsed.positionals.length;
  if (n > max) usageError(spec.usage, `unexpected argument ${JSON.stringify(parsed.positionals[max])}`);
  if (n < min) usageError(spec.usage, `missing ${name}`);
  return parsed;
}

/**
 * A numeric flag: the fallback when absent, else a finite number (an integer unless told otherwise) of at least
 * min; anything else is a usage error naming the flag.
 */
export function numberFlag(
  usage: string,
  name: string,
  value: string | undefined,
  fallback: number,
  opts: { min?: number; integer?: boolean } = {},
): number {
  if (value === undefined) return fallback;
  const n = value.trim() === "" ? NaN : Number(value);
  const { min, integer = true } = opts;
  const ok = Number.isFinite(n) && (!integer || Number.isInteger(n)) && (min === undefined || n >= min);
  if (!ok) {
    const expected = `${integer ? "an integer" : "a number"}${min === undefined ? "" : ` >= ${min}`}`;
    usageError(usage, `--${name}: expected ${expected}, got ${JSON.stringify(value)}`);
  }
  return n;
}
