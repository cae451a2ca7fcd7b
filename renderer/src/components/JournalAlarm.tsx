import type { JournalHealthView } from '../../../preload/contract/views';
import { useJournal } from '../stores/journal';
import { useT } from '../hooks/i18n';
import { shortId } from './ShortId';

function megabytes(bytes: number | null): string {
  if (bytes === null) return '?';
  return `${(bytes / (1024 * 1024)).toFixed(bytes < 1024 * 1024 ? 2 : 0)} MB`;
}

/**
 * Shown above every screen while the journal's disk is low, an Antom answer is not saved yet, an answer was not believed,
 * or (store mode) the store's database cannot be reached; it goes away by itself once the next health poll finds it fixed.
 * One line at the counter (the whole text is still read out); a tap, a hover or Tab opens it in full.
 */
export function JournalAlarm() {
  const { t } = useT();
  const health = useJournal((s) => s.health);
  return <JournalAlarmView health={health} t={t} />;
}

/** The banner for one health reading (rendered on its own by the tests, without the store's subscription). */
export function JournalAlarmView({ health, t }: { health: JournalHealthView | null; t: (key: string, options?: Record<string, unknown>) => string }) {
  if (!health || !health.alarm) return null;
  // Long request ids by their end; Antom's codes are for the technician (doctor, diagnostics bundle), not this banner.
  const ids = health.unrecorded.map((u) => shortId(u.refundRequestId));
  return (
    <div
      className="journal-alarm"
      role="alert"
      tabIndex={0}
      data-testid="journal-alarm"
      data-refund-ids={[...health.unrecorded, ...health.untrusted].map((u) => u.refundRequestId).join(' ')}
    >
      <strong>{t('shell.journalAlarmTitle')}</strong>{' '}
      {typeof health.storeUnreachable === 'string' ? (
        // The main process's text names the database error, for the log and the technician; the counter gets a plain sentence.
        <span data-testid="journal-alarm-store">{t('shell.storeUnreachable')}</span>
      ) : null}{' '}
      {health.unrecorded.length > 0 ? (
        <span data-testid="journal-alarm-unrecorded">{t('shell.journalUnrecorded', { count: ids.length, ids: ids.join(', ') })}</span>
      ) : null}{' '}
      {health.untrusted.length > 0 ? (
        <span data-testid="journal-alarm-untrusted">
          {t('shell.untrustedAnswers', {
            count: health.untrusted.length,
            ids: health.untrusted.map((u) => shortId(u.refundRequestId)).join(', '),
          })}
        </span>
      ) : null}{' '}
      {health.lowDisk ? (
        <span data-testid="journal-alarm-low-disk">
          {t('shell.journalLowDisk', { free: megabytes(health.freeBytes), floor: megabytes(health.floorBytes) })}
        </span>
      ) : null}
    </div>
  );
}
