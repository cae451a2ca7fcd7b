import { useJournal } from '../stores/journal';
import { useT } from '../hooks/i18n';
import { shortId } from './ShortId';

function megabytes(bytes: number | null): string {
  if (bytes === null) return '?';
  return `${(bytes / (1024 * 1024)).toFixed(bytes < 1024 * 1024 ? 2 : 0)} MB`;
}

/**
 * Shown above every screen while the journal's disk is low, an Antom answer is not saved yet, or an answer was not believed.
 * One line at the counter (the whole text is still read out); a tap, a hover or Tab opens it in full.
 */
export function JournalAlarm() {
  const { t } = useT();
  const health = useJournal((s) => s.health);
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
