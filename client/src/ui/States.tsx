import type { ReactNode } from 'react';
import { explainError } from '../errors/errorMessages';

/** Shown while the first answer is on its way (and announced to screen readers). */
export function Loading({ what }: { readonly what: string }) {
  return (
    <p className="loading" role="status">
      <span className="spinner" aria-hidden="true" /> Loading {what}…
    </p>
  );
}

/** Nothing to show, and what to do about it. */
export function Empty({ title, children }: { readonly title: string; readonly children?: ReactNode }) {
  return (
    <div className="empty">
      <p className="empty-title">{title}</p>
      {children}
    </div>
  );
}

/** An error from the graph (or the network), in words a guest understands. */
export function ErrorNotice({ error }: { readonly error: unknown }) {
  if (!error) return null;
  const { summary, detail, code } = explainError(error);
  return (
    <div className="notice notice-error" role="alert" data-code={code}>
      <p>{summary}</p>
      {detail && <p className="notice-detail">{detail}</p>}
    </div>
  );
}
