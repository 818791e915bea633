// ESLint: TypeScript, React hooks, accessibility (jsx-a11y, strict) and the feature boundaries
// of DESIGN.md: app → features → shared, and no feature importing another.
import js from "@eslint/js";
import jsxA11y from "eslint-plugin-jsx-a11y";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

const FEATURES = ["selection", "recommendations", "item", "insights"];

const outsideApp = {
  group: ["@/app", "@/app/**"],
  message: "Only the app layer composes features; import from @/shared or your own feature.",
};

export default tseslint.config(
  { ignores: ["dist", "node_modules", "src/shared/api/schema.d.ts"] },
  {
    files: ["**/*.{ts,tsx}"],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: { globals: globals.browser },
    rules: {
      "@typescript-eslint/consistent-type-imports": "error",
      "no-console": ["error", { allow: ["error"] }],
    },
  },
  reactHooks.configs.flat.recommended,
  {
    files: ["src/**/*.tsx"],
    ...jsxA11y.flatConfigs.strict,
  },
  ...FEATURES.map((feature) => ({
    files: [`src/features/${feature}/**/*.{ts,tsx}`],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: `^@/features/(?!${feature}/)`,
              message: "A feature must not import another feature; move shared code to @/shared.",
            },
            outsideApp,
            {
              group: ["../../*"],
              message: "Reach outside your feature through @/shared, not relative paths.",
            },
          ],
        },
      ],
    },
  })),
  {
    files: ["src/shared/**/*.{ts,tsx}"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["@/features/**"], message: "shared must not depend on features." },
            outsideApp,
          ],
        },
      ],
    },
  },
  {
    files: ["scripts/**/*.js", "*.config.{js,ts}"],
    languageOptions: { globals: globals.node },
  },
);
