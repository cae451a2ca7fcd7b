/**
 * Two managers decide the same refund at once (any counters): the one whose decision lost the
 * compare-and-set is told whose decision won and how, in the screen's language, not a generic
 * "someone else decided" (manager-decisions.ts gives decision and decidedBy).
 */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { beforeAll, describe, expect, it } from 'vitest';
import { ErrorNotice } from '../../../renderer/src/components/ErrorNotice';
import { i18next, setupI18n } from '../../../renderer/src/i18n';

const notice = (details?: Record<string, unknown>): string =>
  renderToStaticMarkup(
    createElement(ErrorNotice, {
      error: {
        code: 'NOT_AWAITING_APPROVAL',
        message: 'This refund is no longer waiting for approval: maria already approved it.',
        ...(details ? { details } : {}),
      },
    }),
  );

describe('the loser of an approval race', () => {
  beforeAll(() => {
    setupI18n('en');
  });

  it('is told who decided and how', async () => {
    await i18next.changeLanguage('en');
    expect(notice({ state: 'SUCCEEDED', decision: 'APPROVED', decidedBy: 'maria' })).toContain('maria already approved it');
    expect(notice({ state: 'DECLINED', decision: 'DECLINED', decidedBy: 'tom' })).toContain('tom already declined it');
    await i18next.changeLanguage('zh');
    expect(notice({ state: 'SUCCEEDED', decision: 'APPROVED', decidedBy: 'maria' })).toContain('maria 已批准');
    await i18next.changeLanguage('en');
  });

  it('without the facts, the general sentence', async () => {
    await i18next.changeLanguage('en');
    expect(notice()).toContain('someone else already decided');
    expect(notice({ state: 'FAILED' })).toContain('someone else already decided');
  });
});
