import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'dist/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        structuredClone: 'readonly',
        performance: 'readonly',
        queueMicrotask: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/electron/**', 'electron'], message: 'core/ must not depend on Electron.' },
          ],
        },
      ],
    },
  },
  {
    // The Electron adapter is the one place that imports Electron.
    files: ['electron/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // The renderer is a sandboxed page: it reaches the engine only through the contract, never Node or Electron.
    files: ['renderer/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)core/(?!contract/)',
              message: 'The renderer reaches the engine only through core/contract.',
            },
            {
              group: ['node:*', 'electron', '**/electron/**'],
              message: 'The renderer has no Node and no Electron.',
            },
          ],
        },
      ],
    },
  },
);
