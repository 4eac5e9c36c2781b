export { TypedEmitter } from './typed-emitter.js';
