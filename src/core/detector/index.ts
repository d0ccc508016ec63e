export * from './detector';
