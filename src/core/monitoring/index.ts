/**
 * Watching the model in production: drift against the training distributions, a shadow model,
 * and the Prometheus text exposition of the detector's metrics.
 * @module
 */
export * from './distributions';
export * from './drift';
export * from './shadow';
export * from './prometheus';
