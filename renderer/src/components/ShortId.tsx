import { useState } from 'react';
import { useT } from '../hooks/i18n';

/** Ids longer than this are shown by their end (what people compare on a receipt) with a copy button. */
const SHORT_FROM = 24;
const TAIL = 10;

/** "…" + the last characters of a long id, the id itself when short. */
export function shortId(id: string): string {
  return id.length > SHORT_FROM ? `…${id.slice(-TAIL)}` : id;
}

/**
 * A long id (refund request, Antom refund, payment) shortened so it never wraps
 * mid-number, with the full id in its title, read aloud, copied by the button,
 * and in `data-full` for tests.
 */
export function ShortId(props: { id: string; testId?: string }) {
  const { t } = useT();
  const [copied, setCopied] = useState(false);
  const short = shortId(props.id);
  const copy = (): void => {
    void navigator.clipboard?.writeText(props.id).then(
      () => setCopied(true),
      () => setCopied(false),
    );
  };
  return (
    <span className="short-id">
      <span className="mono" title={props.id} aria-label={props.id} data-testid={props.testId} data-full={props.id}>
        {short}
      </span>{' '}
      {short !== props.id ? (
        <button type="button" className="btn btn-small" data-testid="copy-id" aria-label={t('ids.copyNamed', { id: props.id })} onClick={copy}>
          {copied ? t('ids.copied') : t('ids.copy')}
        </button>
      ) : null}
    </span>
  );
}
