/** Typed pushes from main's services to whichever renderer transport is attached. */
import { EventEmitter } from 'node:events';
import type { ApiEventName, ApiEvents } from '../../preload/contract/api';

export class ApiEventBus {
  private readonly emitter = new EventEmitter();

  constructor() {
    // One listener per attached window / browser tab; a kiosk may open a few.
    this.emitter.setMaxListeners(50);
  }

  emit<E extends ApiEventName>(event: E, payload: ApiEvents[E]): void {
    this.emitter.emit(event, payload);
  }

  on<E extends ApiEventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void {
    this.emitter.on(event, listener);
    return () => this.emitter.off(event, listener);
  }
}
