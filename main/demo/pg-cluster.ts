/**
 * A throwaway PostgreSQL cluster on loopback, for demo store mode
 * (`npm run demo:store`) and the store-mode tests: Debian's postgresql
 * binaries, a fresh temporary folder, a free port, fsync and
 * synchronous_commit on (the journal's guarantees depend on them). initdb and
 * postgres refuse to run as root, so as root they run as the `postgres` user
 * through runuser, in a folder that user owns. Never for a real store: its
 * data is deleted on stop.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

function pgBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] !== undefined ? path.join(root, versions[0], 'bin') : null;
}

export const PG_BIN = pgBinDir();
export const pgAvailable = PG_BIN !== null;

const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;

function postgresUid(): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

function run(bin: string, args: string[], opts: { detached?: boolean } = {}): ChildProcess | string {
  const cmd = path.join(PG_BIN as string, bin);
  const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  if (opts.detached) return spawn(file, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
  return execFileSync(file, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => (typeof a === 'object' && a !== null ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

export interface PgCluster {
  readonly port: number;
  /** A connection URL for a database of its own (created on demand). */
  url(database?: string): string;
  createDatabase(name: string): void;
  /** Stops the server, keeping its data (a database outage); `resume` starts it again on the same port. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  /**
   * Stops the server's processes without closing a socket (SIGSTOP to the
   * postmaster and its backends): a network path that drops packets, a frozen
   * VM. Clients see no error, only silence. `thaw` lets them run on.
   */
  freeze(): void;
  thaw(): void;
  stop(): Promise<void>;
}

/** The postmaster (first line of postmaster.pid) and every process whose parent it is. */
function serverPids(data: string): number[] {
  const postmaster = Number(readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const pids = [postmaster];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces, so read after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === postmaster) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

export async function startPgCluster(): Promise<PgCluster> {
  if (PG_BIN === null) throw new Error('PostgreSQL is not installed (Debian: apt-get install postgresql; scripts/install-deps.sh tests does it).');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rt-pg-'));
  if (asRoot) {
    const { uid, gid } = postgresUid();
    chownSync(dir, uid, gid);
  }
  const data = path.join(dir, 'data');
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const launch = async (): Promise<ChildProcess> => {
    const child = run(
      'postgres',
      [
        '-D',
        data,
        '-k',
        dir,
        '-p',
        String(port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'fsync=on',
        '-c',
        'synchronous_commit=on',
        '-c',
        'max_connections=200',
      ],
      { detached: true },
    ) as ChildProcess;
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        run('pg_isready', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres']);
        return child;
      } catch {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`postgres did not start: ${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  const halt = async (c: ChildProcess): Promise<void> => {
    if (c.exitCode !== null) return;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    // pg_ctl, not a signal to the child: as root the child is runuser, which need not pass it on.
    try {
      run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
    } catch {
      c.kill('SIGINT'); // fast shutdown
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  };
  let child = await launch();
  const psql = (sql: string) => run('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-c', sql]);
  return {
    port,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    createDatabase: (name) => void psql(`CREATE DATABASE "${name.replace(/"/g, '')}"`),
    pause: () => halt(child),
    freeze: () => {
      for (const pid of serverPids(data)) process.kill(pid, 'SIGSTOP');
    },
    thaw: () => {
      // As root, runuser (the postmaster's parent) stops itself when its child stops: wake it too, or it never
      // reaps the server at shutdown.
      if (child.pid !== undefined) process.kill(child.pid, 'SIGCONT');
      for (const pid of serverPids(data)) process.kill(pid, 'SIGCONT');
    },
    async resume() {
      child = await launch();
    },
    async stop() {
      // A frozen server (freeze) would never hear the shutdown.
      try {
        if (child.pid !== undefined) process.kill(child.pid, 'SIGCONT');
        for (const pid of serverPids(data)) process.kill(pid, 'SIGCONT');
      } catch {
        // not running
      }
      await halt(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
