// Custom Elements Manifest (custom-elements.json) of the Lit elements in src/ui: their
// attributes, properties, methods, events, CSS parts and custom properties, from the JSDoc.
// `npm run analyze` (part of `npm run build`) writes it at the package root, where editors and
// tools find it through package.json's "customElements" field.
export default {
  globs: ['src/ui/**/*.ts'],
  exclude: ['src/ui/**/*.d.ts', 'src/ui/service-worker/**'],
  outdir: '.',
  litelement: true,
  // Private members (`_x`) and controllers are implementation, not API.
  plugins: [
    {
      name: 'txn:hide-private',
      packageLinkPhase({ customElementsManifest }) {
        for (const mod of customElementsManifest.modules) {
          for (const decl of mod.declarations ?? []) {
            if (decl.members) decl.members = decl.members.filter((m) => m.privacy !== 'private' && !m.name.startsWith('_'));
            if (decl.attributes) decl.attributes = decl.attributes.filter((a) => !a.fieldName?.startsWith('_'));
          }
        }
      },
    },
  ],
};
