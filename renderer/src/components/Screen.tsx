import { useId, type ReactNode } from 'react';
import { useAutoFocus } from '../hooks/focus';

/** One screen: a labelled region whose heading takes focus when it appears (unless a control does). */
export function Screen(props: { title: string; testId?: string; focusHeading?: boolean; children: ReactNode; className?: string }) {
  const id = useId();
  const heading = useAutoFocus<HTMLHeadingElement>(props.focusHeading ?? true);
  return (
    <section className={`screen ${props.className ?? ''}`} aria-labelledby={id} data-testid={props.testId}>
      <h1 id={id} ref={heading} tabIndex={-1} className="screen-title">
        {props.title}
      </h1>
      {props.children}
    </section>
  );
}
