/**
 * The throwaway PostgreSQL cluster of the store-mode tests: the one demo store
 * mode uses (main/demo/pg-cluster.ts), with the tests' rule on top.
 *
 * Where the binaries are absent the store-mode suites skip, except on CI
 * (CI=true), where .ci/run installs them and a skip would hide a red result.
 */
import { pgAvailable } from '../../main/demo/pg-cluster';

export { PG_BIN, pgAvailable, startPgCluster, type PgCluster } from '../../main/demo/pg-cluster';

if (!pgAvailable && process.env['CI'] === 'true') {
  throw new Error("PostgreSQL binaries are missing on CI: scripts/install-deps.sh tests installs Debian's postgresql.");
}
