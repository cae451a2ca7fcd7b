import { useState } from 'react';
import { api } from '../../api/client';
import { useT } from '../../hooks/i18n';
import { useLoad } from '../../hooks/load';
import { Screen } from '../../components/Screen';
import { ErrorNotice } from '../../components/ErrorNotice';
import { fmtDateTime, todayIso } from '../../lib/format';
import { AUDIT_DEFAULT_KINDS, AUDIT_GROUPS, auditDetailLines, auditSentence, actorName } from '../../lib/audit-text';

const PAGE = 50;
const GROUP_NAMES = ['default', ...Object.keys(AUDIT_GROUPS), 'all'] as const;

function kindsFor(group: string): string[] | undefined {
  if (group === 'all') return undefined;
  if (group === 'default') return [...AUDIT_DEFAULT_KINDS];
  return [...(AUDIT_GROUPS[group] ?? [])];
}

export function AuditScreen() {
  const { t, lang } = useT();
  const verify = useLoad(() => api().verifyAudit({}), []);
  const users = useLoad(() => api().listUsers({}), []);
  const [group, setGroup] = useState<string>('default');
  const [actor, setActor] = useState('');
  const [date, setDate] = useState('');
  /** Paging: the seq each shown page started before (undefined = newest). */
  const [cursors, setCursors] = useState<(number | undefined)[]>([undefined]);
  const before = cursors[cursors.length - 1];
  const kinds = kindsFor(group);
  const entries = useLoad(
    () =>
      api().listAudit({
        limit: PAGE,
        ...(before !== undefined ? { beforeSeq: before } : {}),
        ...(kinds ? { kinds } : {}),
        ...(actor ? { actor } : {}),
        ...(date ? { date } : {}),
      }),
    [before, group, actor, date],
  );
  const resetPaging = (): void => setCursors([undefined]);
  const v = verify.data;
  const list = entries.data ?? [];
  const last = list[list.length - 1];
  const firstIndex = (cursors.length - 1) * PAGE + 1;
  const people = [...new Set((users.data ?? []).map((u) => u.name))].sort();

  return (
    <Screen title={t('audit.title')} testId="screen-audit">
      <ErrorNotice error={verify.error} />
      {v ? (
        v.ok ? (
          <div className="verify-ok" role="status" data-testid="audit-verify" data-verified="true">
            <p>✓ {t('audit.verified', { entries: v.count })}</p>
            <p className="notice-detail" data-testid="audit-head">
              {t('audit.head', { head: `${v.head.seq}:${v.head.hash}` })}
            </p>
          </div>
        ) : (
          <div className="verify-bad" role="alert" data-testid="audit-verify" data-verified="false">
            <p>✗ {t('audit.broken', { seq: v.firstBrokenSeq, entries: v.count })}</p>
            <p className="notice-detail">{t('audit.brokenReason', { reason: v.reason })}</p>
            {v.refundProblems.length > 0 ? (
              <ul data-testid="audit-refund-problems">
                {v.refundProblems.map((p) => (
                  <li key={p.refundRequestId}>{t('audit.refundProblem', { id: p.refundRequestId, problem: p.problem })}</li>
                ))}
              </ul>
            ) : null}
            <p className="notice-detail">{t('audit.brokenWhat')}</p>
          </div>
        )
      ) : verify.loading ? (
        <p className="muted">{t('audit.verifying')}</p>
      ) : null}
      <div className="toolbar audit-filters">
        <div className="field">
          <label htmlFor="audit-group">{t('audit.filterEvents')}</label>
          <select
            id="audit-group"
            value={group}
            data-testid="audit-filter-events"
            onChange={(e) => {
              setGroup(e.target.value);
              resetPaging();
            }}
          >
            {GROUP_NAMES.map((g) => (
              <option key={g} value={g}>
                {t(`audit.groups.${g}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="audit-actor">{t('audit.filterPerson')}</label>
          <select
            id="audit-actor"
            value={actor}
            data-testid="audit-filter-person"
            onChange={(e) => {
              setActor(e.target.value);
              resetPaging();
            }}
          >
            <option value="">{t('audit.anyPerson')}</option>
            {people.map((n) => (
              <option key={n} value={n}>
                {actorName(n, t)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="audit-date">{t('audit.filterDate')}</label>
          <input
            id="audit-date"
            type="date"
            value={date}
            max={todayIso()}
            data-testid="audit-filter-date"
            onChange={(e) => {
              setDate(e.target.value);
              resetPaging();
            }}
          />
        </div>
        <button
          type="button"
          className="btn"
          onClick={() => {
            setGroup('default');
            setActor('');
            setDate('');
            resetPaging();
          }}
        >
          {t('audit.clear')}
        </button>
        <button
          type="button"
          className="btn"
          onClick={() => {
            verify.reload();
            entries.reload();
          }}
          data-testid="audit-reverify"
        >
          {t('audit.reverify')}
        </button>
      </div>
      <ErrorNotice error={entries.error} />
      {entries.data ? (
        list.length === 0 ? (
          <p className="muted" data-testid="audit-empty">
            {cursors.length === 1 && group === 'default' && !actor && !date ? t('audit.empty') : t('audit.noMatch')}
          </p>
        ) : (
          <div className="table-wrap">
            <table data-testid="audit-table">
              <caption className="visually-hidden">
                {t('audit.title')} — {t('audit.page', { from: firstIndex, to: firstIndex + list.length - 1 })}
              </caption>
              <thead>
                <tr>
                  <th scope="col" className="num">
                    #
                  </th>
                  <th scope="col">{t('audit.at')}</th>
                  <th scope="col">{t('audit.kind')}</th>
                </tr>
              </thead>
              <tbody>
                {list.map((e) => (
                  <tr key={e.seq} className={v && !v.ok && e.seq >= v.firstBrokenSeq ? 'row-broken' : undefined} data-testid="audit-row" data-kind={e.kind}>
                    <td className="num">{e.seq}</td>
                    <td>{fmtDateTime(e.at, lang)}</td>
                    <td>
                      <span data-testid="audit-sentence">{auditSentence(e, t, lang)}</span>
                      <details className="audit-detail">
                        <summary>{t('audit.detailFold')}</summary>
                        <dl>
                          <div>
                            <dt>{t('audit.actor')}</dt>
                            <dd>{e.actor}</dd>
                          </div>
                          <div>
                            <dt>{t('audit.kind')}</dt>
                            <dd className="mono">{e.kind}</dd>
                          </div>
                          {auditDetailLines(e.detail, lang).map((l) => (
                            <div key={l.key}>
                              <dt className="mono">{l.key}</dt>
                              <dd className="mono">{l.value}</dd>
                            </div>
                          ))}
                        </dl>
                      </details>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )
      ) : null}
      <div className="actions">
        {cursors.length > 1 ? (
          <button type="button" className="btn" data-testid="audit-newest" onClick={resetPaging}>
            {t('audit.newest')}
          </button>
        ) : null}
        {list.length === PAGE && last ? (
          <button type="button" className="btn" data-testid="audit-older" onClick={() => setCursors((c) => [...c, last.seq])}>
            {t('audit.older')}
          </button>
        ) : null}
      </div>
    </Screen>
  );
}
