/**
 * Where feature modules register their operations. Each operation of the
 * contract gets exactly one handler: a second registration throws (two
 * features answering one channel would make the winner depend on start-up
 * order), and build() throws naming any operation no feature registered.
 * Every handler is wrapped in its OPERATION_ACCESS rule here, so a feature
 * receives the signed-in caller and never runs for a refused one.
 */
import { operations, type OperationName, type ResponseOf } from '../../preload/contract/api';
import type { ApiHandlers, ValidRequestOf } from '../services/api-dispatch';
import type { CounterSession } from '../services/session';
import { forbidden, NOT_SIGNED_IN, OPERATION_ACCESS, type AccessRule, type CallerOf } from './access';

export type FeatureHandler<N extends OperationName> = (request: ValidRequestOf<N>, caller: CallerOf<N>) => Promise<ResponseOf<N>>;

/** What a feature module sees: it can add its handlers, nothing else. */
export interface HandlerRegistry {
  handle<N extends OperationName>(name: N, handler: FeatureHandler<N>): void;
}

type AnyHandler = (request: unknown) => Promise<unknown>;

export class OperationRegistry {
  private readonly handlers = new Map<OperationName, { feature: string; run: AnyHandler }>();

  constructor(private readonly session: CounterSession) {}

  /** The registrar one feature module gets; its name goes into the error of a double registration. */
  feature(feature: string): HandlerRegistry {
    return { handle: (name, handler) => this.add(feature, name, handler) };
  }

  /** The access rule `name` is registered under (the one OPERATION_ACCESS gives it). */
  accessOf(name: OperationName): AccessRule {
    return OPERATION_ACCESS[name];
  }

  /** Which feature registered each operation so far. */
  owners(): ReadonlyMap<OperationName, string> {
    return new Map([...this.handlers].map(([name, h]) => [name, h.feature]));
  }

  /** Every operation's handler, gated. Throws if any operation of the contract has none. */
  build(): ApiHandlers {
    const missing = (Object.keys(operations) as OperationName[]).filter((name) => !this.handlers.has(name));
    if (missing.length > 0) throw new Error(`No feature registered a handler for: ${missing.join(', ')}`);
    return Object.fromEntries([...this.handlers].map(([name, h]) => [name, h.run])) as unknown as ApiHandlers;
  }

  private add<N extends OperationName>(feature: string, name: N, handler: FeatureHandler<N>): void {
    if (!Object.hasOwn(operations, name)) throw new Error(`${String(name)} is not an operation of the contract`);
    const existing = this.handlers.get(name);
    if (existing) throw new Error(`${name} already has a handler (from ${existing.feature}); ${feature} cannot register a second one`);
    this.handlers.set(name, { feature, run: this.gate(name, handler) as AnyHandler });
  }

  private gate<N extends OperationName>(name: N, handler: FeatureHandler<N>): (request: ValidRequestOf<N>) => Promise<ResponseOf<N>> {
    const rule: AccessRule = OPERATION_ACCESS[name];
    const call = handler as (request: ValidRequestOf<N>, caller: unknown) => Promise<ResponseOf<N>>;
    if (rule === 'public') return (request) => call(request, null);
    return (request) => {
      // Counts as activity: a signed-in person working keeps the idle lock away.
      const user = this.session.current();
      if (!user) return Promise.resolve(NOT_SIGNED_IN as ResponseOf<N>);
      if (!rule.includes(user.role)) return Promise.resolve(forbidden(rule) as ResponseOf<N>);
      return call(request, user);
    };
  }
}
