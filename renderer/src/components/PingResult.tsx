import type { PingView } from '../../../preload/contract/terminal';
import { useT } from '../hooks/i18n';
import { fmtNumber } from '../lib/format';
import { counterName } from '../lib/words';

export function PingResult(props: { ping: PingView }) {
  const { t, lang } = useT();
  const { rttsMs, failures, stats } = props.ping;
  const sorted = [...rttsMs].sort((a, b) => a - b);
  const avg = sorted.length ? sorted.reduce((s, x) => s + x, 0) / sorted.length : 0;
  const ms = (n: number | undefined): string => (n === undefined ? '—' : `${fmtNumber(n, lang, 1)} ms`);
  const healthy = failures === 0 && sorted.length > 0;
  return (
    <div data-testid="ping-result" data-failures={failures}>
      <p className={`notice ${healthy ? 'notice-ok' : 'notice-error'}`} role="status">
        {healthy ? t('diagnostics.pingOk', { n: sorted.length }) : t('diagnostics.pingBad', { failures, n: sorted.length + failures })}
      </p>
      <dl className="details">
        <div>
          <dt>{t('diagnostics.min')}</dt>
          <dd className="num big">{ms(sorted[0])}</dd>
        </div>
        <div>
          <dt>{t('diagnostics.avg')}</dt>
          <dd className="num big">{sorted.length ? ms(avg) : '—'}</dd>
        </div>
        <div>
          <dt>{t('diagnostics.max')}</dt>
          <dd className="num big">{ms(sorted[sorted.length - 1])}</dd>
        </div>
        <div>
          <dt>{t('diagnostics.failures')}</dt>
          <dd className="num big">{failures}</dd>
        </div>
      </dl>
      {Object.keys(stats).length > 0 ? (
        <div className="table-wrap">
          <table data-testid="link-stats">
            <caption className="visually-hidden">{t('diagnostics.counters')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('diagnostics.counter')}</th>
                <th scope="col" className="num">
                  {t('diagnostics.value')}
                </th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(stats).map(([k, v]) => (
                <tr key={k}>
                  <td data-counter={k}>{counterName(k, t)}</td>
                  <td className="num">{fmtNumber(v, lang, 2)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </div>
  );
}
