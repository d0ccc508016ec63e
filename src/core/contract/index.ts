/**
 * The wire contract: types, runtime validation and JSON Schemas.
 * @module
 */
export * from './types';
export * from './validate';
export * from './json-schema';
