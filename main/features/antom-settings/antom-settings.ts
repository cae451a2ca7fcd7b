/**
 * The technician's Antom settings as a use case: what is set up (never the
 * keys themselves, only their fingerprints), saving new settings after
 * checking the endpoint and keys, adding and removing Antom's public keys
 * around a rotation, and a harmless signed call to prove the setup works.
 * Every change is audited before it is made (../audited-change.ts) and put in use at once (in demo mode: after a restart).
 */
import { createHash, createPublicKey } from 'node:crypto';
import type { ApiErrorCode } from '../../../preload/contract/api';
import { antomApiPrefix, parseAntomBaseUrl } from '../../../preload/contract/antom-endpoint';
import { err, ok, type Result } from '../../../preload/contract/result';
import type { AntomConfigView, AntomTestView } from '../../../preload/contract/views';
import { API_PATHS, importPrivateKey, importPublicKey, type AntomClientConfig, type AntomGateway } from '../../antom';
import { MAX_ANTOM_PUBLIC_KEYS } from '../../antom/config';
import { loadAppConfig, saveAppConfig, type AppConfig } from '../../config/app-config';
import type { AuditPort } from '../../ledger/store-port';
import { auditedChange } from '../audited-change';
import type { Logger } from '../../logging/logger';
import type { SecretStore } from '../../secrets/secret-store';
import type { ValidRequestOf } from '../../services/api-dispatch';
import { readAntomPublicKeys, SECRET_NAMES, writeAntomPublicKeys } from '../../services/core-services';

type Res<T> = Promise<Result<T, ApiErrorCode>>;

export interface AntomSettingsDeps {
  readonly dataDir: string;
  /** config.json as read at start (used when the file cannot be read now). */
  readonly startConfig: AppConfig;
  readonly secrets: SecretStore;
  /** The ledger's one chain: the store's in store mode (every counter's configuration changes in one place). */
  readonly audit: Pick<AuditPort, 'append'>;
  /** Demo: the sandbox settings in use; saved settings apply only after a restart. null for a real install. */
  readonly demoConfig: AntomClientConfig | null;
  /** The gateway in use now (null while Antom is not set up) and why it is missing. */
  gateway(): AntomGateway | null;
  problem(): string | null;
  /** Puts the stored settings in use for the next call. */
  reload(): Promise<unknown>;
  readonly log: Logger;
}

export interface AntomSettings {
  view(): Res<AntomConfigView>;
  set(input: ValidRequestOf<'setAntomConfig'>, actor: string): Res<AntomConfigView>;
  addKey(input: ValidRequestOf<'addAntomPublicKey'>, actor: string): Res<AntomConfigView>;
  removeKey(fingerprint: string, actor: string): Res<AntomConfigView>;
  test(): Res<AntomTestView>;
}

export function fingerprint(pem: string | null): string | null {
  if (!pem) return null;
  const der = createPublicKey(pem).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex').slice(0, 32);
}

export function createAntomSettings(deps: AntomSettingsDeps): AntomSettings {
  const { dataDir, secrets, log } = deps;
  // Demo mode is chosen at start: real settings saved during a demo apply after a restart.
  let savedWhileDemo = false;
  const keyViews = (keys: readonly { keyVersion: number | null; pem: string }[]): AntomConfigView['antomKeys'] =>
    keys.map((k) => ({ keyVersion: k.keyVersion, fingerprint: fingerprint(k.pem) as string }));
  const lastVerifiedBy = (): AntomConfigView['lastVerifiedBy'] => deps.gateway()?.lastVerification() ?? null;

  const view = async (): Res<AntomConfigView> => {
    if (deps.demoConfig) {
      const c = deps.demoConfig;
      const keys = keyViews(c.antomPublicKeys);
      return ok({
        mode: 'demo-sandbox',
        baseUrl: c.baseUrl,
        clientId: c.clientId,
        keyVersion: c.keyVersion,
        hasMerchantPrivateKey: true,
        hasAntomPublicKey: true,
        merchantKeyFingerprint: fingerprint(c.merchantPrivateKeyPem),
        antomKeyFingerprint: keys[0]?.fingerprint ?? null,
        region: null,
        refundEndpoint: `${c.baseUrl}${antomApiPrefix(c.clientId)}${API_PATHS.refund}`,
        antomKeys: keys,
        lastVerifiedBy: lastVerifiedBy(),
        antomKeyRotationDate: c.antomKeyRotationDate ?? null,
        inquiryPaymentKey: c.inquiryPaymentKey,
        pending: deps.startConfig.antom || savedWhileDemo ? { restartNeeded: true, problem: null } : null,
      });
    }
    const [priv, pubs] = await Promise.all([secrets.get(SECRET_NAMES.merchantPrivateKey), readAntomPublicKeys(secrets)]);
    // The file, not the start-up copy: a technician may have just saved new settings.
    const saved = await loadAppConfig(dataDir);
    const antom = saved.ok ? saved.value.antom : deps.startConfig.antom;
    const endpoint = antom ? parseAntomBaseUrl(antom.baseUrl) : null;
    const keys = keyViews(pubs);
    const problem = deps.problem();
    return ok({
      mode: antom ? 'configured' : 'unconfigured',
      baseUrl: endpoint?.ok ? endpoint.value.origin : (antom?.baseUrl ?? null),
      clientId: antom?.clientId ?? null,
      keyVersion: antom?.keyVersion ?? null,
      hasMerchantPrivateKey: priv !== null,
      hasAntomPublicKey: pubs.length > 0,
      merchantKeyFingerprint: fingerprint(priv),
      antomKeyFingerprint: keys[0]?.fingerprint ?? null,
      region: endpoint?.ok ? endpoint.value.region : null,
      refundEndpoint: antom && endpoint?.ok ? `${endpoint.value.origin}${antomApiPrefix(antom.clientId)}${API_PATHS.refund}` : null,
      antomKeys: keys,
      lastVerifiedBy: lastVerifiedBy(),
      antomKeyRotationDate: antom?.antomKeyRotationDate ?? null,
      inquiryPaymentKey: antom?.inquiryPaymentKey ?? 'paymentId',
      pending: problem ? { restartNeeded: false, problem } : null,
    });
  };

  /** After a change to the stored Antom settings: use them now (or after a restart in demo). */
  const apply = async (): Promise<void> => {
    if (deps.demoConfig) savedWhileDemo = true;
    else await deps.reload();
  };

  const set = async (input: ValidRequestOf<'setAntomConfig'>, actor: string): Res<AntomConfigView> => {
    const endpoint = parseAntomBaseUrl(input.baseUrl);
    if (!endpoint.ok) return err('CONFIG_INVALID', endpoint.error.message);
    if (input.merchantPrivateKeyPem !== undefined) {
      const k = importPrivateKey(input.merchantPrivateKeyPem, 'The merchant private key');
      if (!k.ok) return err('CONFIG_INVALID', k.error.message);
    }
    if (input.antomPublicKeyPem !== undefined) {
      const k = importPublicKey(input.antomPublicKeyPem, "Antom's public key");
      if (!k.ok) return err('CONFIG_INVALID', k.error.message);
    }
    const current = await loadAppConfig(dataDir);
    const base = current.ok ? current.value : deps.startConfig;
    const previous = base.antom;
    const rotation = input.antomKeyRotationDate === undefined ? previous?.antomKeyRotationDate : (input.antomKeyRotationDate ?? undefined);
    const inquiryPaymentKey = input.inquiryPaymentKey ?? previous?.inquiryPaymentKey;
    const next = {
      ...base,
      antom: {
        // Saved in the SDK form (domain only): an old "…/ams/api" value is migrated on the next save.
        baseUrl: endpoint.value.origin,
        clientId: input.clientId,
        keyVersion: input.keyVersion,
        requestTimeoutMs: previous?.requestTimeoutMs ?? 15_000,
        ...(inquiryPaymentKey ? { inquiryPaymentKey } : {}),
        ...(rotation ? { antomKeyRotationDate: rotation } : {}),
      },
    };
    return auditedChange(deps, {
      actor,
      kind: 'config.change',
      detail: {
        what: 'antom',
        baseUrl: endpoint.value.origin,
        clientId: input.clientId,
        keyVersion: input.keyVersion,
        inquiryPaymentKey: inquiryPaymentKey ?? 'paymentId',
        merchantKeyReplaced: input.merchantPrivateKeyPem !== undefined,
        antomKeyReplaced: input.antomPublicKeyPem !== undefined,
      },
      act: async () => {
        await saveAppConfig(dataDir, next);
        if (input.merchantPrivateKeyPem !== undefined) await secrets.set(SECRET_NAMES.merchantPrivateKey, input.merchantPrivateKeyPem);
        if (input.antomPublicKeyPem !== undefined) {
          await writeAntomPublicKeys(secrets, [{ keyVersion: input.antomPublicKeyVersion ?? null, pem: input.antomPublicKeyPem }]);
        }
        await apply();
        log.info({ baseUrl: endpoint.value.origin, clientId: input.clientId, demo: deps.demoConfig !== null }, 'Antom settings saved');
        return view();
      },
    });
  };

  const addKey = async (input: { keyVersion: number; pem: string }, actor: string): Res<AntomConfigView> => {
    const k = importPublicKey(input.pem, `Antom's public key version ${input.keyVersion}`);
    if (!k.ok) return err('CONFIG_INVALID', k.error.message);
    const keys = await readAntomPublicKeys(secrets);
    if (keys.some((x) => x.keyVersion === input.keyVersion)) {
      return err('CONFIG_INVALID', `A key with version ${input.keyVersion} is already stored; remove it first to replace it.`);
    }
    const fp = fingerprint(input.pem);
    if (keys.some((x) => fingerprint(x.pem) === fp)) return err('CONFIG_INVALID', 'This key is already stored.');
    if (keys.length >= MAX_ANTOM_PUBLIC_KEYS)
      return err('CONFIG_INVALID', `At most ${MAX_ANTOM_PUBLIC_KEYS} Antom keys can be stored; remove a retired one first.`);
    return auditedChange(deps, {
      actor,
      kind: 'config.change',
      detail: { what: 'antom.publicKey.add', keyVersion: input.keyVersion, fingerprint: fp },
      act: async () => {
        await writeAntomPublicKeys(secrets, [...keys, { keyVersion: input.keyVersion, pem: input.pem }]);
        await apply();
        return view();
      },
    });
  };

  const removeKey = async (fp: string, actor: string): Res<AntomConfigView> => {
    const keys = await readAntomPublicKeys(secrets);
    const rest = keys.filter((k) => fingerprint(k.pem) !== fp);
    if (rest.length === keys.length) return err('NOT_FOUND', 'No stored Antom key has this fingerprint.');
    if (rest.length === 0)
      return err('CONFIG_INVALID', 'This is the only Antom key: add the new one before removing it, or no answer from Antom could be trusted.');
    return auditedChange(deps, {
      actor,
      kind: 'config.change',
      detail: { what: 'antom.publicKey.remove', fingerprint: fp },
      act: async () => {
        await writeAntomPublicKeys(secrets, rest);
        await apply();
        return view();
      },
    });
  };

  const test = async (): Res<AntomTestView> => {
    const gateway = deps.gateway();
    if (!gateway) return ok({ reachable: false, signatureValid: false, detail: deps.problem() ?? 'Antom is not configured.' });
    // Looking up a payment that cannot exist proves reachability and both signatures without touching money.
    const r = await gateway.inquirePayment('CONNECTION-TEST-0000000000');
    const path = gateway.endpoint('inquiryPayment');
    const by = gateway.lastVerification();
    const keyNote = by ? ` (verified with Antom key ${by.keyVersion === null ? 'of unrecorded version' : `version ${by.keyVersion}`})` : '';
    if (r.ok || r.error.code === 'PAYMENT_NOT_FOUND')
      return ok({ reachable: true, signatureValid: true, lookupOk: true, path, detail: `Antom answered POST ${path} with a valid signature${keyNote}.` });
    if (r.error.code === 'LOOKUP_MISCONFIGURED') return ok({ reachable: true, signatureValid: true, lookupOk: false, path, detail: r.error.message });
    return ok({ reachable: false, signatureValid: false, path, detail: r.error.message });
  };

  return { view, set, addKey, removeKey, test };
}
