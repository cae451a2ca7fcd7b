/**
 * Who is at the counter. One terminal has one person signed in at a time; the
 * session locks itself after `idleLockSeconds` without activity, so a refund
 * can't be started from a register someone walked away from.
 */
import type { Role } from '../../preload/contract/views';
import type { ScreenLanguage, SessionView } from '../../preload/contract/views';

export interface SignedInUser {
  readonly name: string;
  readonly role: Role;
  /** Their saved screen language (#17); null until chosen. */
  readonly language?: ScreenLanguage | null;
}

export class CounterSession {
  private user: SignedInUser | null = null;
  private signedInAt = 0;
  private lastActivity = 0;

  constructor(
    readonly idleLockSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  signIn(user: SignedInUser): SessionView {
    this.user = user;
    this.signedInAt = this.lastActivity = this.now();
    return this.view() as SessionView;
  }

  signOut(): SignedInUser | null {
    const previous = this.user;
    this.user = null;
    return previous;
  }

  /** The signed-in user, or null when nobody is or the idle lock has fallen. Counts as activity. */
  current(touch = true): SignedInUser | null {
    if (!this.user) return null;
    if (this.now() - this.lastActivity > this.idleLockSeconds * 1000) {
      this.user = null;
      return null;
    }
    if (touch) this.lastActivity = this.now();
    return this.user;
  }

  /** The signed-in person chose another screen language (already saved on their record). */
  setLanguage(language: ScreenLanguage): void {
    if (this.user) this.user = { ...this.user, language };
  }

  view(): SessionView | null {
    const user = this.current(false);
    if (!user) return null;
    return {
      userName: user.name,
      role: user.role,
      language: user.language ?? null,
      signedInAt: new Date(this.signedInAt).toISOString(),
      idleLockSeconds: this.idleLockSeconds,
    };
  }
}
