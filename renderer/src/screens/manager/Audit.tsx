import { api } from '../../api/client';
import { useT } from '../../hooks/i18n';
import { useLoad } from '../../hooks/load';
import { Screen } from '../../components/Screen';
import { ErrorNotice } from '../../components/ErrorNotice';
import { fmtDateTime } from '../../lib/format';

function detailText(detail: Record<string, unknown>): string {
  return Object.entries(detail)
    .map(([k, v]) => `${k}: ${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`)
    .join(' · ');
}

export function AuditScreen() {
  const { t, lang } = useT();
  const verify = useLoad(() => api().verifyAudit({}), []);
  const entries = useLoad(() => api().listAudit({ limit: 500 }), []);
  const v = verify.data;
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
      <div className="toolbar">
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
        entries.data.length === 0 ? (
          <p className="muted">{t('audit.empty')}</p>
        ) : (
          <div className="table-wrap">
            <table data-testid="audit-table">
              <caption className="visually-hidden">{t('audit.title')}</caption>
              <thead>
                <tr>
                  <th scope="col" className="num">#</th>
                  <th scope="col">{t('audit.at')}</th>
                  <th scope="col">{t('audit.actor')}</th>
                  <th scope="col">{t('audit.kind')}</th>
                  <th scope="col">{t('audit.detail')}</th>
                </tr>
              </thead>
              <tbody>
                {entries.data.map((e) => (
                  <tr key={e.seq} className={v && !v.ok && e.seq >= v.firstBrokenSeq ? 'row-broken' : undefined}>
                    <td className="num">{e.seq}</td>
                    <td>{fmtDateTime(e.at, lang)}</td>
                    <td>{e.actor}</td>
                    <td className="mono">{e.kind}</td>
                    <td className="mono">{detailText(e.detail)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )
      ) : null}
    </Screen>
  );
}
