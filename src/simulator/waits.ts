// Waiting on the simulator (waitForAck, waitFor): each wait settles on a sim event or its timeout, and every
// pending wait fails when the simulator closes.
import type { Records } from './records.ts';
import type { TimerBag } from './timers.ts';
import type { AckRecord } from './types.ts';

export class Waits {
  private closed = false;
  private readonly waiters = new Set<(err: Error) => void>();

  constructor(
    private readonly timers: TimerBag,
    private readonly records: Records,
  ) {}

  forAck(envelope_id: string, timeoutMs: number): Promise<AckRecord> {
    const found = this.records.acks.find((a) => a.envelope_id === envelope_id);
    if (found) return Promise.resolve(found);
    return this.wait<AckRecord>(timeoutMs, `ack of ${envelope_id}`, (resolve) =>
      this.records.on('ack', (a: AckRecord) => {
        if (a.envelope_id === envelope_id) resolve(a);
      }),
    );
  }

  until(pred: () => boolean, timeoutMs: number): Promise<void> {
    if (pred()) return Promise.resolve();
    return this.wait<void>(timeoutMs, 'condition', (resolve) => {
      // Poll as well as re-check on sim events: the predicate may depend on anything.
      const check = (): void => {
        if (pred()) resolve();
      };
      const t = this.timers.every(5, check);
      const off = this.records.onAny(check);
      return () => {
        off();
        this.timers.clear(t);
      };
    });
  }

  /** Fail every pending wait, and refuse new ones (the simulator is closing). */
  close(): void {
    this.closed = true;
    for (const fail of [...this.waiters]) fail(new Error('simulator closed'));
  }

  private wait<T>(timeoutMs: number, what: string, subscribe: (resolve: (v: T) => void) => () => void): Promise<T> {
    if (this.closed) return Promise.reject(new Error('simulator closed'));
    return new Promise<T>((resolve, reject) => {
      let done = false;
      const finish = (): void => {
        done = true;
        unsubscribe();
        this.timers.clear(timer);
        this.waiters.delete(fail);
      };
      const fail = (err: Error): void => {
        if (done) return;
        finish();
        reject(err);
      };
      const unsubscribe = subscribe((v) => {
        if (done) return;
        finish();
        resolve(v);
      });
      const timer = this.timers.after(timeoutMs, () =>
        fail(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)),
      );
      this.waiters.add(fail);
    });
  }
}
