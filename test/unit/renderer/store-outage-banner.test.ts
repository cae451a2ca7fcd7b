/**
 * Store mode, database outage, at the counter: the main process reports the
 * store's PostgreSQL as unreachable in the journal health the banner polls
 * (`storeUnreachable`, core-services' probe); the banner on every screen then
 * says in a plain sentence, in the screen's language, that no new refund
 * starts and that refunds already started stay pending; the database's own
 * error stays for the log. When the next poll finds the database back, the
 * banner goes away.
 */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RefundTerminalApi } from '../../../preload/contract/api';
import type { JournalHealthView } from '../../../preload/contract/views';
import { installApi } from '../../../renderer/src/api/client';
import { JournalAlarmView } from '../../../renderer/src/components/JournalAlarm';
import { i18next, setupI18n } from '../../../renderer/src/i18n';
import { useJournal } from '../../../renderer/src/stores/journal';

const healthy: JournalHealthView = {
  alarm: false,
  freeBytes: 10 ** 10,
  floorBytes: 10 ** 8,
  lowDisk: false,
  unrecorded: [],
  untrusted: [],
  storeUnreachable: null,
};
const DB_ERROR = 'connect ECONNREFUSED 127.0.0.1:5432';
const down: JournalHealthView = {
  ...healthy,
  alarm: true,
  storeUnreachable: `The store's refund ledger (its database) cannot be reached: no new refund starts; unfinished ones stay pending and continue when it is back. (${DB_ERROR})`,
};

let current: JournalHealthView = healthy;
// What JournalAlarm renders for the reading the store holds now (its subscription needs a DOM; the reading does not).
const banner = (): string =>
  renderToStaticMarkup(createElement(JournalAlarmView, { health: useJournal.getState().health, t: (key, options) => i18next.t(key, options ?? {}) }));

describe('the store outage banner', () => {
  beforeAll(async () => {
    setupI18n('en');
    await i18next.changeLanguage('en');
    installApi({ getJournalHealth: async () => ({ ok: true, value: current }) } as unknown as RefundTerminalApi);
  });
  afterAll(async () => {
    await i18next.changeLanguage('en');
  });

  it('says in a plain sentence that no refund starts and started ones stay pending, in English and Chinese, and clears when the database is back', async () => {
    await useJournal.getState().refresh();
    expect(banner()).toBe('');

    current = down;
    await useJournal.getState().refresh();
    const en = banner();
    expect(en).toContain('data-testid="journal-alarm-store"');
    expect(en).toContain('role="alert"');
    expect(en).toContain('no new refund can start at this counter');
    expect(en).toContain('stay pending');
    // The database's error is for the technician (log, doctor), not the cashier.
    expect(en).not.toContain(DB_ERROR);

    await i18next.changeLanguage('zh');
    const zh = banner();
    expect(zh).toContain('data-testid="journal-alarm-store"');
    expect(zh).toContain('无法连接本店的退款数据库');
    expect(zh).toContain('保持待处理');
    expect(zh).not.toMatch(/cannot be reached/);
    await i18next.changeLanguage('en');

    current = healthy;
    await useJournal.getState().refresh();
    expect(banner()).toBe('');
  });

  it('shows only the store sentence for a store outage (no low-disk or unsaved-answer text)', async () => {
    current = down;
    await useJournal.getState().refresh();
    const html = banner();
    expect(html).not.toContain('journal-alarm-low-disk');
    expect(html).not.toContain('journal-alarm-unrecorded');
    current = { ...down, storeUnreachable: null, alarm: false };
    await useJournal.getState().refresh();
    expect(banner()).not.toContain('journal-alarm-store');
  });
});
