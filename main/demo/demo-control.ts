/**
 * Demo control endpoint: lets an end-to-end test (another process) pull the
 * virtual terminal's cable, make it misbehave, scan a receipt on it, or make
 * the sandbox gateway fail, exactly as the real world would. Off unless
 * REFUND_TERMINAL_DEMO_CONTROL_TOKEN is set; loopback only; bearer token;
 * every body validated. It exists only in demo mode.
 */
import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { FaultSwitchesSchema } from '../../native-bridge/testing';
import type { Logger } from '../logging/logger';
import { FaultSpec } from '../sandbox';
import type { DemoEnvironment } from './demo-environment';

const Actions = {
  'antom/fault': z.object({ fault: FaultSpec }).strict(),
  'antom/clear': z.object({}).strict(),
  'antom/refund-elsewhere': z.object({ paymentId: z.string().min(1).max(64), value: z.number().int().min(1).max(2_147_483_647) }).strict(),
  'terminal/faults': z.object({ faults: FaultSwitchesSchema.partial() }).strict(),
  'terminal/unplug': z.object({}).strict(),
  'terminal/replug': z.object({}).strict(),
  'terminal/scan': z.object({ data: z.string().min(1).max(256) }).strict(),
} as const;
type Action = keyof typeof Actions;

/** Largest control request read (the biggest, a fault spec, is well under 1 KB). */
const MAX_CONTROL_BODY_BYTES = 16 * 1024;

export interface DemoControl {
  readonly url: string;
  close(): Promise<void>;
}

export async function startDemoControl(demo: DemoEnvironment, token: string, log: Logger): Promise<DemoControl> {
  const expected = Buffer.from(`Bearer ${token}`);
  const run = async (action: Action, body: unknown): Promise<unknown> => {
    switch (action) {
      case 'antom/fault':
        return { id: demo.sandbox.faults.add((body as { fault: z.input<typeof FaultSpec> }).fault) };
      case 'antom/refund-elsewhere': {
        const b = body as { paymentId: string; value: number };
        return demo.sandbox.refundElsewhere(b.paymentId, b.value);
      }
      case 'antom/clear':
        demo.sandbox.faults.clear();
        return {};
      case 'terminal/faults':
        demo.terminal.setFaults((body as { faults: Record<string, unknown> }).faults);
        return { faults: demo.terminal.faults };
      case 'terminal/unplug':
        await demo.unplug();
        return {};
      case 'terminal/replug':
        await demo.replug();
        return {};
      case 'terminal/scan':
        return { delivered: await demo.terminal.emitScan((body as { data: string }).data) };
    }
  };

  const server = http.createServer((req, res) => {
    void (async () => {
      const auth = Buffer.from(req.headers.authorization ?? '');
      if (auth.length !== expected.length || !timingSafeEqual(auth, expected)) {
        res.writeHead(401).end('unauthorised');
        return;
      }
      const action = (req.url ?? '').replace(/^\/+/, '') as Action;
      const schema = Actions[action];
      if (req.method !== 'POST' || !schema) {
        res.writeHead(404).end('no such action');
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const c of req) {
        size += (c as Buffer).length;
        if (size > MAX_CONTROL_BODY_BYTES) {
          // Every action's body is a few hundred bytes: stop reading and hang up.
          const sock = req.socket;
          res.writeHead(413, { Connection: 'close' }).end('body too large', () => sock?.destroy());
          return;
        }
        chunks.push(c as Buffer);
      }
      const parsed = schema.safeParse(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'));
      if (!parsed.success) {
        res.writeHead(400, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: parsed.error.issues }));
        return;
      }
      log.info({ action }, 'demo control');
      const result = await run(action, parsed.data);
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(result));
    })().catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500).end((e as Error).message);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
