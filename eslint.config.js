// Lint: typescript-eslint with type information, floating promises as errors, and the layer
// rule of ../shared/CONVENTIONS.md: a layer of web/src imports only the layers below it.
import tseslint from 'typescript-eslint';

const layers = ['core', 'crypto', 'storage', 'transport', 'replication', 'vault', 'ui', 'entries'];
// What each layer may import (besides itself).
const allowed = {
  core: [],
  crypto: ['core'],
  storage: ['core', 'crypto'],
  transport: ['core'],
  replication: ['core', 'crypto', 'storage', 'transport'],
  vault: ['core', 'crypto', 'storage', 'transport', 'replication'],
  ui: ['core', 'vault'],
  entries: layers,
};
// Libraries that only one place may touch.
const libraryOwners = {
  '@noble/curves': 'crypto', '@noble/hashes': 'crypto', 'hash-wasm': 'crypto', '@scure/bip39': 'crypto',
  idb: 'storage', 'simple-peer': 'transport',
};

const layerRules = layers.map((layer) => {
  const forbiddenLayers = layers.filter((l) => l !== layer && !allowed[layer].includes(l));
  const forbiddenLibs = Object.entries(libraryOwners).filter(([, owner]) => owner !== layer).map(([lib]) => lib);
  return {
    files: [`web/src/${layer}/**/*.ts`],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          ...(forbiddenLayers.length ? [{
            group: forbiddenLayers.flatMap((l) => [`../${l}/*`, `../../${l}/*`, `**/src/${l}/*`]),
            message: `web/src/${layer} may import only: ${allowed[layer].join(', ') || 'nothing'} (see CONVENTIONS.md).`,
          }] : []),
          ...(forbiddenLibs.length ? [{
            group: forbiddenLibs.flatMap((lib) => [lib, `${lib}/*`]),
            message: 'This library belongs to another layer (one file imports each crypto/storage/transport library).',
          }] : []),
        ],
      }],
    },
  };
});

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'bench/results/**', 'test-results/**', 'public/**', '.tmp/**', '.demo/**', '.relay-data/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: false }],
    },
  },
  {
    files: ['e2e/**/*.ts', '**/*.test.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  ...layerRules,
  // The UI talks to the vault through the app controller (vault/app-controller.ts), never the session it holds.
  {
    files: ['web/src/ui/**/*.ts'],
    rules: {
      'no-restricted-syntax': ['error', {
        selector: "MemberExpression[property.name='session']",
        message: 'Components reach the open vault through AppController (app.photos, app.family, app.library, …), not app.session.',
      }],
    },
  },
  // Dialogs are the app's own (focus-trapped, labelled: ui/common/fv-dialog.ts), never the browser's
  // alert()/confirm()/prompt(), which block the page and which tests dismiss unseen.
  { files: ['web/src/**/*.ts'], rules: { 'no-alert': 'error' } },
  // Test support may use reference implementations (e.g. @noble) to check the layer's own code.
  { files: ['web/src/**/__tests__/**/*.ts', 'web/src/**/*.test.ts'], rules: { 'no-restricted-imports': 'off' } },
);
