// Lint: typescript-eslint's type-aware recommended rules over every source
// and test file. Formatting is prettier's (eslint-config-prettier turns off the
// rules it owns); `npm run lint` runs both, and CI runs it.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  { languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } } },
  {
    rules: {
      // Functions implement promise-returning contracts (CommandLeaf.run, close, ready) whether or not they await.
      '@typescript-eslint/require-await': 'off',
      // Interfaces declare function members in method syntax; their implementations are closures that never use `this`.
      '@typescript-eslint/unbound-method': 'off',
      // A rejection passes on the error it was given (`unknown` from a callback), unchanged.
      '@typescript-eslint/prefer-promise-reject-errors': 'off',
      // A variable assigned once after closures that read it were created (a forward reference) stays `let`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // A leading underscore marks a parameter or element kept for its position only.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
  // Plain JavaScript (the sample upstream): the recommended rules without type information.
  {
    files: ['**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { process: 'readonly', Buffer: 'readonly', console: 'readonly' },
    },
  },
  // The dashboard's front end runs in the browser (dashboard/tsconfig.json: lib DOM, no Node types).
  {
    files: ['dashboard/src/**/*.ts'],
    languageOptions: {
      globals: { window: 'readonly', document: 'readonly', navigator: 'readonly', fetch: 'readonly', getSelection: 'readonly' },
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // tap tracks the promise of every t.test() and t.rejects() itself: awaiting each is not the contract.
      '@typescript-eslint/no-floating-promises': 'off',
      // tap test callbacks are async by convention, awaited or not.
      '@typescript-eslint/require-await': 'off',
      // Tests read response bodies as the JSON they are (`any`) and assert on them field by field.
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      // The limiter contract answers a decision or a promise of one; tests await either.
      '@typescript-eslint/await-thenable': 'off',
    },
  },
  prettier,
);
