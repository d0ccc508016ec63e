/**
 * Explanations of the model score: exact TreeSHAP of the Isolation Forest path length, in the
 * user's terms.
 * @module
 */
export * from './tree-shap';
export * from './explainer';
export * from './baseline';
export * from './display';
export * from './feature-descriptions';
