import { useCashier } from '../../stores/cashier';
import { ScanScreen } from './ScanScreen';
import { ReviewScreen } from './ReviewScreen';
import { AmountScreen } from './AmountScreen';
import { ProgressScreen } from './ProgressScreen';
import { OutcomeScreen } from './OutcomeScreen';

export function CashierFlow() {
  const step = useCashier((s) => s.step);
  switch (step) {
    case 'scan':
      return <ScanScreen />;
    case 'review':
      return <ReviewScreen />;
    case 'amount':
      return <AmountScreen />;
    case 'progress':
      return <ProgressScreen />;
    case 'outcome':
      return <OutcomeScreen />;
  }
}
