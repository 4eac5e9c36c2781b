export { TypedEmitter } from './typed-emitter.js';
export { threadCpuMs } from './thread-cpu.js';
export { detachedString } from './detached-string.js';
