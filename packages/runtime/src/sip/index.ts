export type * from './sip-types.js';
