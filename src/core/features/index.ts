export * from './feature-sets';
