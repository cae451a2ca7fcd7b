import { useId, type InputHTMLAttributes, type ReactNode, type Ref } from 'react';

/** A labelled input with an optional hint and error, wired with aria-describedby / aria-invalid. */
export function Field(
  props: {
    label: string;
    hint?: ReactNode;
    error?: string | null;
    inputRef?: Ref<HTMLInputElement>;
    className?: string;
  } & Omit<InputHTMLAttributes<HTMLInputElement>, 'className'>,
) {
  const { label, hint, error, inputRef, className, id: givenId, ...input } = props;
  const autoId = useId();
  const id = givenId ?? autoId;
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field ${className ?? ''}`}>
      <label htmlFor={id}>{label}</label>
      <input id={id} ref={inputRef} aria-invalid={error ? true : undefined} aria-describedby={describedBy} {...input} />
      {hint ? (
        <p id={hintId} className="hint">
          {hint}
        </p>
      ) : null}
      {error ? (
        <p id={errorId} className="field-error" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}
