/**
 * Which CallPort and services belong to which actor. Building blocks receive `self` (the actor) in their action
 * arguments and look the port up here; effects receive `system` and look the services up here. The runtime binds
 * every leg's actor before starting it; `testFlow()` does the same with a fake.
 */
import type { AnyActorRef, ActorSystem } from 'xstate';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any actor system, whatever its actors
type AnyActorSystem = ActorSystem<any>;
import type { CallPort } from './commands.js';
import { flowErrors } from './errors.js';
import type { FlowServices } from './flow-services.js';

const ports = new WeakMap<object, CallPort>();
const services = new WeakMap<object, FlowServices<unknown>>();

export function bindPort(actor: AnyActorRef, port: CallPort): void {
  ports.set(actor, port);
}

export function bindServices(system: AnyActorSystem, value: FlowServices<unknown>): void {
  services.set(system, value);
}

export function portOf(self: AnyActorRef): CallPort {
  const port = ports.get(self);
  if (!port) throw flowErrors.noPort(self.id);
  return port;
}

export function servicesOf(system: AnyActorSystem): FlowServices<unknown> | undefined {
  return services.get(system);
}
