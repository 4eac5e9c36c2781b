export * from './sip/index.js';
export * from './media/index.js';
export * from './flow/index.js';
export * from './app/index.js';
export * from './server/index.js';
export { TypedEmitter } from './util/index.js';
