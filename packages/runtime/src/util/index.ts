export { TypedEmitter } from './typed-emitter.js';
export { threadCpuMs, threadCpuPreciseMs } from './thread-cpu.js';
export { detachedString } from './detached-string.js';
