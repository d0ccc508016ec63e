export * from './history-store';
export * from './memory-store';
export * from './packed-history';
export * from './history-arena';
