import eslint from "@eslint/js";
import tseslint from "typescript-eslint";
import reactHooks from "eslint-plugin-react-hooks";

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      "artifacts/",
      "cache/",
      "types/",
      "dist/",
      "coverage/",
      "results/",
      "web/.next/",
      "web/next-env.d.ts",
      "fhevmTemp/",
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { console: "readonly", process: "readonly", require: "readonly", __dirname: "readonly" },
      // Type-aware rules: the root project covers Node code and tests, web/'s covers the app and its tests.
      parserOptions: { project: ["./tsconfig.json", "./web/tsconfig.json"], tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // A promise nobody awaits loses its error (an unhandled rejection) and its ordering.
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
    },
  },
  {
    files: ["web/**/*.tsx", "web/**/*.ts", "test/web/**/*.tsx"],
    ...reactHooks.configs.flat.recommended,
  },
  {
    files: ["**/*.mjs", "**/*.js", "**/*.cjs"],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ["test/contracts/**/*.ts"],
    rules: { "@typescript-eslint/no-unused-expressions": "off" },
  },
);
