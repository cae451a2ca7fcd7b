import { useEffect, useRef } from 'react';
import { api, onSessionExpired } from './api/client';
import { useSession } from './stores/session';
import { useSettings } from './stores/settings';
import { useTerminal } from './stores/terminal';
import { usePoll } from './hooks/poll';
import { useCashier } from './stores/cashier';
import { areaOf, areasFor, useNav } from './stores/nav';
import { useIdle } from './hooks/idle';
import { useT } from './hooks/i18n';
import { parseScan } from './lib/scan';
import { DemoBanner } from './components/DemoBanner';
import { JournalAlarm } from './components/JournalAlarm';
import { useJournal } from './stores/journal';
import { Header } from './components/Header';
import { SignIn } from './screens/SignIn';
import { CashierFlow } from './screens/cashier/CashierFlow';
import { ManagerDashboard } from './screens/manager/Dashboard';
import { PolicySettings } from './screens/manager/PolicySettings';
import { StoreSettings } from './screens/manager/StoreSettings';
import { UsersScreen } from './screens/manager/Users';
import { AuditScreen } from './screens/manager/Audit';
import { PairingWizard } from './screens/technician/PairingWizard';
import { Diagnostics } from './screens/technician/Diagnostics';
import { AntomSetup } from './screens/technician/AntomSetup';

function useLiveEvents(): void {
  useEffect(() => {
    const offs = [
      api().on('terminalStatus', (s) => useTerminal.getState().setStatus(s)),
      api().on('refundUpdated', (r) => {
        useCashier.getState().refundUpdated(r);
        // A refund that changed may have raised or cleared a journal alarm.
        void useJournal.getState().refresh();
      }),
      api().on('terminalScan', (scan) => {
        const session = useSession.getState().session;
        if (!session || !areasFor(session.role).includes('cashier')) return;
        const cashier = useCashier.getState();
        if (cashier.submitting || cashier.step === 'progress') return;
        const parsed = scan.paymentId ? { ok: true as const, paymentId: scan.paymentId } : parseScan(scan.raw);
        if (!parsed.ok) {
          useNav.getState().go('refund');
          cashier.reset();
          cashier.setScanText(scan.raw);
          void cashier.submitScan(scan.raw);
          return;
        }
        useNav.getState().go('refund');
        void cashier.lookup(parsed.paymentId);
      }),
      onSessionExpired(() => {
        useSession.getState().expired();
      }),
    ];
    return () => {
      for (const off of offs) off();
    };
  }, []);
}

function Content() {
  const tab = useNav((s) => s.tab);
  const role = useSession((s) => s.session?.role);
  if (!role || !areasFor(role).includes(areaOf(tab))) return null;
  switch (tab) {
    case 'refund':
      return <CashierFlow />;
    case 'dashboard':
      return <ManagerDashboard />;
    case 'policy':
      return <PolicySettings />;
    case 'store':
      return <StoreSettings />;
    case 'users':
      return <UsersScreen />;
    case 'audit':
      return <AuditScreen />;
    case 'pairing':
      return <PairingWizard />;
    case 'diagnostics':
      return <Diagnostics />;
    case 'antom':
      return <AntomSetup />;
  }
}

/** Publishes the sticky top block's height (--top-h) so focus and scrolling never put a control under it. */
function useTopHeight() {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(() => document.documentElement.style.setProperty('--top-h', `${Math.ceil(el.getBoundingClientRect().height)}px`));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return ref;
}

export function App() {
  const { t } = useT();
  const status = useSession((s) => s.status);
  const session = useSession((s) => s.session);
  const submitting = useCashier((s) => s.submitting);

  useLiveEvents();
  const top = useTopHeight();
  // Safety net next to the live events: a status change that happened before the event
  // stream was connected (e.g. the demo's automatic pairing at start) or while it was
  // reconnecting is never replayed, so the indicator would stay stale without this.
  usePoll(() => void useTerminal.getState().refresh(), 3000, true);
  // The journal alarm (low disk, an Antom answer not saved) has no event of its own: polled like the status.
  usePoll(() => void useJournal.getState().refresh(), 3000, true);
  useEffect(() => {
    void useSettings.getState().loadAppInfo();
    void useSession.getState().load();
    void useTerminal.getState().refresh();
    void useJournal.getState().refresh();
  }, []);

  // A new person (or the same after a lock) starts from a clean flow on their home screen.
  const who = session ? `${session.userName}|${session.signedInAt}` : null;
  useEffect(() => {
    useCashier.getState().reset();
    const current = useSession.getState().session;
    if (current) useNav.getState().home(current.role);
  }, [who]);

  useIdle(session?.idleLockSeconds ?? 0, status === 'signed-in' && !submitting, () => {
    void useSession.getState().signOut('idle');
  });

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        {t('shell.skip')}
      </a>
      {/* One sticky block: the banners and the header scroll as one, so none can cover another. */}
      <div className="app-top" ref={top}>
        <DemoBanner />
        <JournalAlarm />
        <Header />
      </div>
      <main id="main" className="app-main">
        {status === 'unknown' ? <p className="muted">{t('common.loading')}</p> : status === 'signed-out' ? <SignIn /> : <Content />}
      </main>
    </div>
  );
}
