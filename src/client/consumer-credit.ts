// The consumer's side of flow control (docs/protocol.md, "Flow control"): what it owes the broker as CREDIT.
// Bytes are given back as the application consumes them, batched into one CREDIT frame per quarter window
// or at once when the application has caught up (a quarter-window-only rule was tried and reverted:
// docs/benchmarks.md, issue 14). A batch bigger than the credit left makes the broker send STALLED; once
// the application has consumed everything held, the consumer lends what that batch needs, and the loan is
// paid back from the credit the batch's bytes return: the grant outstanding at the broker comes back to
// the window instead of growing by every loan.

export class ConsumerCredit {
  /** Consumed bytes not yet given back. */
  private pending = 0;
  /** The largest batch the broker reported it could not send (STALLED), not yet lent for. */
  private stalledNeed = 0;
  /** Lent and not yet paid back. */
  private lent = 0;

  constructor(
    private readonly window: number,
    /** Sends one CREDIT frame. */
    private readonly send: (bytes: number) => void,
  ) {}

  /** `bytes` were consumed (or dropped); `held` is what the consumer still holds. */
  returned(bytes: number, held: number): void {
    this.pending += bytes;
    if (this.pending >= this.window / 4 || held === 0) this.post(0);
  }

  /** The broker cannot send a batch of `neededBytes` within the credit left. */
  stalled(neededBytes: number, held: number): void {
    this.stalledNeed = Math.max(this.stalledNeed, neededBytes);
    this.lendIfCaughtUp(held);
  }

  /** Lends for a reported stall once nothing is held (the application has caught up). */
  lendIfCaughtUp(held: number): void {
    if (this.stalledNeed > 0 && held === 0) {
      const need = this.stalledNeed;
      this.stalledNeed = 0;
      this.post(need);
    }
  }

  /** A new subscription starts with a fresh window. */
  reset(): void {
    this.pending = 0;
    this.stalledNeed = 0;
    this.lent = 0;
  }

  private post(loan: number): void {
    const repay = Math.min(this.lent, this.pending);
    this.lent += loan - repay;
    const bytes = loan + this.pending - repay;
    this.pending = 0;
    if (bytes > 0) this.send(bytes);
  }
}
