/**
 * A binary min-heap of (time, user) entries ordered by time, then user index, so that equal
 * times pop in a reproducible order. Entries carry the user's schedule version: a rescheduled
 * user leaves its old entry behind and the engine skips it when it surfaces (lazy deletion).
 */
export class EventHeap {
  private readonly times: number[] = [];
  private readonly users: number[] = [];
  private readonly versions: number[] = [];

  /** Number of entries, stale ones included. */
  get size(): number {
    return this.times.length;
  }

  /** Time of the earliest entry, or Infinity when empty. */
  peekTime(): number {
    return this.times.length > 0 ? this.times[0] : Infinity;
  }

  /** Adds an entry. */
  push(time: number, user: number, version: number): void {
    const { times, users, versions } = this;
    let i = times.length;
    times.push(time);
    users.push(user);
    versions.push(version);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(time, user, times[parent], users[parent])) break;
      times[i] = times[parent];
      users[i] = users[parent];
      versions[i] = versions[parent];
      i = parent;
    }
    times[i] = time;
    users[i] = user;
    versions[i] = version;
  }

  /** Removes the earliest entry and writes it into `into`; false when empty. */
  pop(into: { time: number; user: number; version: number }): boolean {
    const { times, users, versions } = this;
    const n = times.length;
    if (n === 0) return false;
    into.time = times[0];
    into.user = users[0];
    into.version = versions[0];
    const time = times[n - 1];
    const user = users[n - 1];
    const version = versions[n - 1];
    times.pop();
    users.pop();
    versions.pop();
    const size = n - 1;
    if (size === 0) return true;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= size) break;
      const right = left + 1;
      const child = right < size && this.less(times[right], users[right], times[left], users[left]) ? right : left;
      if (!this.less(times[child], users[child], time, user)) break;
      times[i] = times[child];
      users[i] = users[child];
      versions[i] = versions[child];
      i = child;
    }
    times[i] = time;
    users[i] = user;
    versions[i] = version;
    return true;
  }

  private less(t1: number, u1: number, t2: number, u2: number): boolean {
    return t1 < t2 || (t1 === t2 && u1 < u2);
  }
}
