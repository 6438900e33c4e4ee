// Every timer the simulator starts goes through one TimerBag, so close() can clear them all at once.

export class TimerBag {
  private readonly live = new Set<NodeJS.Timeout>();
  private closed = false;

  after(ms: number, fn: () => void): NodeJS.Timeout | undefined {
    if (this.closed) return undefined;
    const t = setTimeout(
      () => {
        this.live.delete(t);
        fn();
      },
      Math.max(0, ms),
    );
    this.live.add(t);
    return t;
  }

  every(ms: number, fn: () => void): NodeJS.Timeout | undefined {
    if (this.closed) return undefined;
    const t = setInterval(fn, ms);
    this.live.add(t);
    return t;
  }

  clear(t: NodeJS.Timeout | undefined): void {
    if (!t) return;
    clearTimeout(t); // clearTimeout also clears intervals in Node
    this.live.delete(t);
  }

  clearAll(): void {
    this.closed = true;
    for (const t of this.live) clearTimeout(t);
    this.live.clear();
  }

  get size(): number {
    return this.live.size;
  }
}
