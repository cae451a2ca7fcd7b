/**
 * `users add NAME --role R` (PIN from REFUND_TERMINAL_PIN or the first line of
 * stdin, never an argument so it stays out of shell history and `ps`),
 * `users list`, `users disable|enable|unlock|reset-pin NAME`, `users set-role NAME --role R`.
 * Every change is audited with the OS user who ran the command (`cli:<user>`).
 * In store mode these are the store's people (every counter signs them in),
 * changed in the store ledger (ledger-session.ts), never a local file.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { Role } from '../../../preload/contract/views';
import type { CliCommand, CliContext } from '../command';
import { openCliLedger } from '../ledger-session';

const USAGE = [
  'Usage: refund-terminal [--data-dir DIR] users <add|list|disable|enable|unlock|reset-pin|set-role> ...',
  '  users add NAME --role cashier|manager|technician   PIN from REFUND_TERMINAL_PIN or stdin',
  '                         (managers and technicians at least 6 digits; no repeats, runs or common PINs)',
  '  users list [--json]',
  '  users disable NAME | enable NAME | unlock NAME',
  '  users reset-pin NAME   prints a one-time PIN the person must change at the next sign-in',
  '  users set-role NAME --role R',
].join('\n');

function cliActor(): string {
  return `cli:${os.userInfo().username}`;
}

export function readFirstLine(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (chunk: Buffer | string): void => {
      buf += chunk.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) finish(buf.slice(0, nl));
    };
    const finish = (line: string): void => {
      stream.removeListener('data', onData);
      stream.removeListener('end', onEnd);
      stream.removeListener('error', reject);
      stream.pause();
      resolve(line.replace(/\r$/, ''));
    };
    const onEnd = (): void => finish(buf);
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', reject);
    stream.resume();
  });
}

async function readPin(ctx: CliContext): Promise<string> {
  const fromEnv = ctx.env['REFUND_TERMINAL_PIN'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv.trim();
  return (await readFirstLine(ctx.stdin)).trim();
}

export const usersCommand: CliCommand = {
  name: 'users',
  summary: "Add, list or disable terminal users (the store's people in store mode)",
  usage: USAGE,
  async run(args, ctx) {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: { role: { type: 'string' }, json: { type: 'boolean', default: false } },
      allowPositionals: true,
      strict: true,
    });
    const [sub, name] = positionals;
    const opened = await openCliLedger(ctx);
    if (!opened.ok) {
      ctx.stderr.write(`${opened.message}\n`);
      return opened.exitCode;
    }
    const people = opened.store.people;
    const actor = cliActor();
    try {
      switch (sub) {
        case 'list': {
          const users = await people.list();
          if (values.json) ctx.stdout.write(`${JSON.stringify(users, null, 2)}\n`);
          else if (users.length === 0) ctx.stdout.write('No users.\n');
          else
            for (const u of users) {
              const flags = [
                u.disabled ? 'disabled' : '',
                u.lockedUntil !== null && Date.parse(u.lockedUntil) > Date.now() ? `locked until ${u.lockedUntil}` : '',
              ]
                .filter(Boolean)
                .join(', ');
              ctx.stdout.write(`${u.name.padEnd(20)} ${u.role.padEnd(11)} ${flags}\n`);
            }
          return 0;
        }
        case 'add': {
          if (name === undefined || values.role === undefined) {
            ctx.stderr.write(`${USAGE}\n`);
            return 1;
          }
          const pin = await readPin(ctx);
          const r = await people.add({ name, role: values.role, pin }, actor);
          if (!r.ok) {
            ctx.stderr.write(`${r.error.message}\n`);
            return 1;
          }
          ctx.stdout.write(`Added ${r.value.name} (${r.value.role}).\n`);
          return 0;
        }
        case 'disable':
        case 'enable':
        case 'unlock': {
          if (name === undefined) {
            ctx.stderr.write(`${USAGE}\n`);
            return 1;
          }
          const r =
            sub === 'disable' ? await people.disable(name, actor) : sub === 'enable' ? await people.enable(name, actor) : await people.unlock(name, actor);
          if (!r.ok) {
            ctx.stderr.write(`No user named ${name}.\n`);
            return 1;
          }
          ctx.stdout.write(`${sub === 'disable' ? 'Disabled' : sub === 'enable' ? 'Enabled' : 'Unlocked'} ${name}.\n`);
          return 0;
        }
        case 'reset-pin': {
          if (name === undefined) {
            ctx.stderr.write(`${USAGE}\n`);
            return 1;
          }
          const r = await people.resetPin(name, actor);
          if (!r.ok) {
            ctx.stderr.write(`${r.error.message}\n`);
            return 1;
          }
          ctx.stdout.write(`One-time PIN for ${name}: ${r.value.oneTimePin}\nHand it over in person; it must be changed at the next sign-in.\n`);
          return 0;
        }
        case 'set-role': {
          const role = Role.safeParse(values.role);
          if (name === undefined || !role.success) {
            ctx.stderr.write(`${USAGE}\n`);
            return 1;
          }
          const r = await people.setRole(name, role.data, actor);
          if (!r.ok) {
            ctx.stderr.write(`${r.error.message}\n`);
            return 1;
          }
          ctx.stdout.write(`${name} is now a ${r.value.role}.\n`);
          return 0;
        }
        default:
          ctx.stderr.write(`${USAGE}\n`);
          return 1;
      }
    } finally {
      await opened.close();
    }
  },
};
