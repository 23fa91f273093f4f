/**
 * Bookings this process is making right now, by reservation id: a second request for the same id
 * (a client retrying with the same idempotency key) waits for the first one's answer instead of
 * making the booking again.
 */
export class BookingsInFlight<Answer> {
  private readonly running = new Map<string, Promise<Answer>>();

  join(id: string, book: () => Promise<Answer>): Promise<Answer> {
    const running = this.running.get(id);
    if (running) return running;
    const started = book().finally(() => this.running.delete(id));
    this.running.set(id, started);
    return started;
  }
}
