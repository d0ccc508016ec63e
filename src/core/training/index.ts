export * from './train-model';
