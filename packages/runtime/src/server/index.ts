export type * from './registry-types.js';
