export * from './types';
export * from './path-length';
export * from './train';
export * from './score';
export * from './score-distribution';
export * from './model-file';
export * from './canonical-json';
export * from './prepare';
