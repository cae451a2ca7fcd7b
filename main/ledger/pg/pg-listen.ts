/**
 * One LISTEN connection that outlives its losses. PostgreSQL delivers a NOTIFY
 * only to sessions listening when it commits: if the connection drops (server
 * restart, pg_terminate_backend, a network blip), every notice sent until it
 * is back is gone for good. So this connection reconnects with backoff, LISTENs
 * again, and after every (re)connect emits a catch-up, on which subscribers
 * re-read the current state instead of trusting that they heard everything.
 * Its state is exposed for health (status()).
 *
 * A half-open TCP connection (a cable pulled, a NAT entry expired) raises no
 * error by itself: a heartbeat query with a timeout notices it.
 */
import pg from 'pg';
import type { FeedStatus } from '../store-port';

export type ListenStatus = FeedStatus;
export type ListenState = FeedStatus['state'];

export interface CatchUp {
  /** How long nothing was heard (ms, this process's clock); 0 on the first connect. */
  readonly downMs: number;
  readonly first: boolean;
}

export interface PgListenOptions {
  readonly url: string;
  /** A plain identifier (it is interpolated into LISTEN). */
  readonly channel: string;
  onNotify(payload: string): void;
  /** After every connect with LISTEN in place, including the first (notices before it were never heard either). */
  onCatchUp(info: CatchUp): void;
  readonly minDelayMs?: number;
  readonly maxDelayMs?: number;
  /** A `SELECT 1` this often (0 = never), failing after heartbeatTimeoutMs. */
  readonly heartbeatMs?: number;
  readonly heartbeatTimeoutMs?: number;
}

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;

export class PgListener {
  private client: pg.Client | null = null;
  private state: ListenState = 'connecting';
  private since = new Date().toISOString();
  private reconnects = 0;
  private connects = 0;
  private lastError: string | null = null;
  private lostAt: number | null = null;
  private delayMs: number;
  private retryTimer: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private firstListen: Promise<void>;
  private resolveFirst: () => void = () => undefined;
  private attempt: Promise<void> | null = null;

  constructor(private readonly opts: PgListenOptions) {
    if (!IDENT.test(opts.channel)) throw new Error(`not a channel name: ${opts.channel}`);
    this.delayMs = opts.minDelayMs ?? 100;
    this.firstListen = new Promise<void>((r) => (this.resolveFirst = r));
    this.attempt = this.connect();
  }

  /** Resolves once LISTEN is first in place (it keeps trying until then, or until close). */
  ready(): Promise<void> {
    return this.firstListen;
  }

  status(): ListenStatus {
    return { channel: this.opts.channel, state: this.state, since: this.since, reconnects: this.reconnects, lastError: this.lastError };
  }

  /** A method, not a field read, so the compiler does not narrow it across the awaits above. */
  private isClosed(): boolean {
    return this.state === 'closed';
  }

  private setState(s: ListenState): void {
    if (this.state === s) return;
    this.state = s;
    this.since = new Date().toISOString();
  }

  private async connect(): Promise<void> {
    if (this.state === 'closed') return;
    // Named, so a technician (and the tests) can find it in pg_stat_activity.
    const client = new pg.Client({
      connectionString: this.opts.url,
      keepAlive: true,
      connectionTimeoutMillis: 10_000,
      application_name: `refund-terminal listen ${this.opts.channel}`,
    });
    this.client = client;
    let lost = false;
    const onLost = (e?: Error): void => {
      if (lost) return;
      lost = true;
      if (e !== undefined) this.lastError = e.message;
      if (this.client === client) this.client = null;
      client.removeAllListeners('notification');
      void client.end().catch(() => undefined);
      this.lostConnection();
    };
    client.on('error', (e) => onLost(e));
    client.on('end', () => onLost());
    client.on('notification', (m) => {
      if (m.channel === this.opts.channel && m.payload !== undefined) this.opts.onNotify(m.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${this.opts.channel}`);
    } catch (e) {
      onLost(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    if (lost || this.isClosed()) return;
    const downMs = this.lostAt === null ? 0 : Date.now() - this.lostAt;
    const first = this.connects === 0;
    this.connects += 1;
    if (!first) this.reconnects += 1;
    this.lostAt = null;
    this.delayMs = this.opts.minDelayMs ?? 100;
    this.setState('listening');
    this.startHeartbeat(client, onLost);
    this.resolveFirst();
    this.opts.onCatchUp({ downMs, first });
  }

  private lostConnection(): void {
    this.stopHeartbeat();
    if (this.state === 'closed') return;
    this.lostAt ??= Date.now();
    this.setState(this.connects === 0 ? 'connecting' : 'reconnecting');
    if (this.retryTimer !== null) return;
    const wait = this.delayMs;
    this.delayMs = Math.min(this.delayMs * 2, this.opts.maxDelayMs ?? 5_000);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.attempt = this.connect();
    }, wait);
    this.retryTimer.unref();
  }

  private startHeartbeat(client: pg.Client, onLost: (e?: Error) => void): void {
    const every = this.opts.heartbeatMs ?? 30_000;
    if (every <= 0) return;
    const timeoutMs = this.opts.heartbeatTimeoutMs ?? 10_000;
    this.heartbeat = setInterval(() => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer to the LISTEN heartbeat in ${timeoutMs} ms`)), timeoutMs);
      });
      Promise.race([client.query('SELECT 1'), timeout])
        .catch((e: unknown) => onLost(e instanceof Error ? e : new Error(String(e))))
        .finally(() => clearTimeout(timer));
    }, every);
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat !== null) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  /** Stops for good: no reconnect; ready() resolves so nobody waits on a closed feed. */
  async close(): Promise<void> {
    this.setState('closed');
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.stopHeartbeat();
    this.resolveFirst();
    await this.attempt?.catch(() => undefined);
    const c = this.client;
    this.client = null;
    c?.removeAllListeners('notification');
    await c?.end().catch(() => undefined);
  }
}

/**
 * Subscribers of one channel on one lazily opened PgListener: what the journal
 * (refund_changed) and the approvals port (approval_changed) both need.
 */
export class PgChangeFeed {
  private readonly listeners = new Set<(payload: string) => void>();
  private readonly catchUps = new Set<(info: CatchUp) => void>();
  private conn: PgListener | null = null;

  constructor(
    private readonly url: string,
    private readonly channel: string,
  ) {}

  onNotify(listener: (payload: string) => void): () => void {
    this.listeners.add(listener);
    this.open();
    return () => this.listeners.delete(listener);
  }

  onCatchUp(listener: (info: CatchUp) => void): () => void {
    this.catchUps.add(listener);
    this.open();
    return () => this.catchUps.delete(listener);
  }

  /** Resolves once LISTEN is first in place. */
  ready(): Promise<void> {
    return this.open().ready();
  }

  /** null until someone subscribed. */
  status(): ListenStatus | null {
    return this.conn?.status() ?? null;
  }

  private open(): PgListener {
    this.conn ??= new PgListener({
      url: this.url,
      channel: this.channel,
      onNotify: (payload) => {
        for (const l of [...this.listeners]) l(payload);
      },
      onCatchUp: (info) => {
        for (const l of [...this.catchUps]) l(info);
      },
    });
    return this.conn;
  }

  async close(): Promise<void> {
    await this.conn?.close();
  }
}
