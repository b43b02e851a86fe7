import js from "@eslint/js";
import tseslint from "@typescript-eslint/eslint-plugin";
import tsParser from "@typescript-eslint/parser";
import globals from "globals";

/**
 * The dependency rules of the folders (README "Layout"), enforced so a wrong arrow fails `npm test`:
 *   api/          -> kube/types, kube/resources
 *   kube/         -> nothing of ours
 *   generators/   -> api/, kube/types, kube/resources (pure)
 *   capabilities/ -> api/, kube/, generators/
 *   local/        -> api/, kube/, generators/ (the embedded environment runs the built module; never its source)
 *   o2ims-api/    -> api/, kube/, generators/ (the O2 IMS REST server; ships in the module's bundle, never its capabilities)
 *   cli/, bench/  -> anything but test/
 *   test/         -> anything
 */
const banned = (...folders) =>
  folders.map(f => ({ group: [`**/${f}/**`], message: `this folder may not import ${f}/ (eslint.config.mjs)` }));
const kubeBeyondTypes = {
  group: ["**/kube/*", "!**/kube/types", "!**/kube/resources"],
  message: "only kube/types and kube/resources: this folder is pure (eslint.config.mjs)",
};
const rules = (...patterns) => ({ "no-restricted-imports": ["error", { patterns }] });

export default [
  { ignores: ["**/node_modules", "**/dist", "jest.config.js", ".scratch/**", "**/.*.ts"] },
  js.configs.recommended,
  ...tseslint.configs["flat/recommended"],
  {
    files: ["**/*.ts"],
    languageOptions: {
      parser: tsParser,
      parserOptions: { project: "./tsconfig.dev.json", tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  { files: ["*.ts", "cli/**/*.ts", "bench/**/*.ts", "scripts/**/*.ts"], rules: rules(...banned("test")) },
  {
    files: ["api/**/*.ts"],
    rules: rules(...banned("test", "capabilities", "generators", "local", "cli", "bench"), kubeBeyondTypes),
  },
  { files: ["kube/**/*.ts"], rules: rules(...banned("test", "api", "capabilities", "generators", "local", "cli", "bench")) },
  { files: ["generators/**/*.ts"], rules: rules(...banned("test", "capabilities", "local", "cli", "bench"), kubeBeyondTypes) },
  { files: ["capabilities/**/*.ts"], rules: rules(...banned("test", "local", "cli", "bench")) },
  { files: ["local/**/*.ts"], rules: rules(...banned("test", "capabilities", "cli", "bench")) },
  { files: ["o2ims-api/**/*.ts"], rules: rules(...banned("test", "capabilities", "local", "cli", "bench")) },
];
