export type * from './media-types.js';
