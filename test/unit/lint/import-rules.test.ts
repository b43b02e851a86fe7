/**
 * The folder dependency rules in eslint.config.mjs can fail: each case is a small file written into the folder it
 * tests (named *.lint-fixture.ts, git-ignored); one run of ESLint with the project's real config lints them all
 * (a type-aware run costs seconds), then they are removed.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const ROOT = path.resolve(__dirname, "../../..");

const cases: [string, string, string][] = [
  ["cli", `import { usePlane } from "../test/integration/support/use-plane";\nexport const x = usePlane;\n`, "test/"],
  [
    "capabilities/o2ims",
    `import { usePlane } from "../../test/integration/support/use-plane";\nexport const x = usePlane;\n`,
    "test/",
  ],
  ["generators", `import { O2ims } from "../capabilities/o2ims";\nexport const x = O2ims;\n`, "capabilities/"],
  [
    "generators",
    `import { KubeClient } from "../kube/client";\nexport const x = KubeClient;\n`,
    "only kube/types and kube/resources",
  ],
  ["local/sim", `import { O2ims } from "../../capabilities/o2ims";\nexport const x = O2ims;\n`, "capabilities/"],
  ["kube", `import { ProvisioningRequest } from "../api/kinds";\nexport const x = ProvisioningRequest;\n`, "api/"],
  ["capabilities/focom", `import { startPlane } from "../../local/plane/plane";\nexport const x = startPlane;\n`, "local/"],
  ["o2ims-api", `import { O2ims } from "../capabilities/o2ims";\nexport const x = O2ims;\n`, "capabilities/"],
];
const allowed = ["generators", `import type { KubeObject } from "../kube/types";\nexport type X = KubeObject;\n`];

interface LintResult {
  filePath: string;
  messages: { ruleId: string | null; message: string }[];
}
let results: Map<string, LintResult>;
const fileFor = (i: number, folder: string) => path.join(ROOT, folder, `import-rule-${process.pid}-${i}.lint-fixture.ts`);

beforeAll(() => {
  const all = [...cases.map(([f, s]) => [f, s]), allowed];
  const files = all.map(([folder, source], i) => {
    const file = fileFor(i, folder);
    fs.writeFileSync(file, source);
    return file;
  });
  try {
    const r = spawnSync(
      path.join(ROOT, "node_modules/.bin/eslint"),
      ["--format", "json", ...files.map(f => path.relative(ROOT, f))],
      {
        cwd: ROOT,
        encoding: "utf8",
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    results = new Map((JSON.parse(r.stdout) as LintResult[]).map(x => [x.filePath, x]));
  } finally {
    for (const f of files) fs.rmSync(f, { force: true });
  }
}, 120_000);

describe("folder import rules", () => {
  it.each(cases.map((c, i) => [...c, i] as const))(
    "a file in %s importing a forbidden folder fails lint",
    (folder, _source, named, i) => {
      const messages = results.get(fileFor(i, folder))!.messages;
      expect(messages.map(m => m.ruleId)).toEqual(["no-restricted-imports"]);
      expect(messages[0].message).toContain(named);
    },
  );

  it("an allowed import lints clean (the rule is not simply failing everything)", () => {
    expect(results.get(fileFor(cases.length, allowed[0]))!.messages).toEqual([]);
  });
});
