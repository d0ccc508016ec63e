/**
 * A batch of transactions as it crosses from the page to the worker: the plain ones (objects
 * whose contract fields have the contract's types) as columns, everything else as it is.
 * Structured clone then copies a few strings and buffers instead of a thousand objects of six
 * strings each, and the worker builds the objects itself, with one shape and shared strings for
 * the repeating values. Validation sees exactly what structured clone would have given it: the
 * contract fields of an object's own enumerable properties (it ignores the rest), so items that
 * are not plain objects, or have a field of another type, go as they are and get the same error.
 */
import { optionalAt, TransactionColumnsBuilder, type TransactionColumns } from './record-columns';
import { unpackString } from './packed-strings';

/** The packed form of a batch (see the module comment): the transaction columns of a log record. */
export interface PackedTransactions extends TransactionColumns {
  /** Item `i` is row `rows[i]` of the columns, or, where -1, the next of `others`. */
  rows: Int32Array;
  /** The items that are not plain, in item order, as they were given. */
  others: unknown[];
}

// The fields of the item read last (reading is synchronous): no object per item.
let id = '';
let user = '';
let amount = 0;
let location = '';
let timestamp = '';
let merchant = '';
let userName: string | undefined;
let country: string | undefined;
let mcc: string | undefined;

const REQUIRED = 0b111111;

/** An optional field's value: a string, or undefined for absent and null (which validation drops); false for anything else. */
function optional(v: unknown): string | undefined | false {
  return typeof v === 'string' ? v : v === null || v === undefined ? undefined : false;
}

/** Reads `t`'s contract fields into the variables above; false when `t` must go as it is. */
function readPlain(t: unknown): boolean {
  if (typeof t !== 'object' || t === null) return false;
  const proto: unknown = Object.getPrototypeOf(t);
  if (proto !== Object.prototype && proto !== null) return false;
  const o = t as Record<string, unknown>;
  let seen = 0;
  userName = country = mcc = undefined;
  // Own enumerable string keys: what structured clone copies.
  for (const key of Object.keys(o)) {
    const v = o[key];
    switch (key) {
      case 'transaction_id':
        if (typeof v !== 'string') return false;
        id = v;
        seen |= 1;
        break;
      case 'user_id':
        if (typeof v !== 'string') return false;
        user = v;
        seen |= 2;
        break;
      case 'amount':
        if (typeof v !== 'number') return false;
        amount = v;
        seen |= 4;
        break;
      case 'location':
        if (typeof v !== 'string') return false;
        location = v;
        seen |= 8;
        break;
      case 'timestamp':
        if (typeof v !== 'string') return false;
        timestamp = v;
        seen |= 16;
        break;
      case 'merchant_type':
        if (typeof v !== 'string') return false;
        merchant = v;
        seen |= 32;
        break;
      case 'user_name': {
        const x = optional(v);
        if (x === false) return false;
        userName = x;
        break;
      }
      case 'country': {
        const x = optional(v);
        if (x === false) return false;
        country = x;
        break;
      }
      case 'mcc_code': {
        const x = optional(v);
        if (x === false) return false;
        mcc = x;
        break;
      }
      default:
      // Not a contract field: validation drops it.
    }
  }
  return seen === REQUIRED;
}

/** Packs a batch for the worker (on the page). */
export function packTransactions(items: readonly unknown[]): PackedTransactions {
  const n = items.length;
  const rows = new Int32Array(n).fill(-1);
  const others: unknown[] = [];
  // (Columns sized for every item; only the first rows are read.)
  const columns = new TransactionColumnsBuilder(n);
  let r = 0;
  for (let i = 0; i < n; i++) {
    if (!readPlain(items[i])) {
      others.push(items[i]);
      continue;
    }
    rows[i] = r++;
    columns.add(id, user, amount, location, timestamp, merchant, userName, country, mcc);
  }
  return { rows, others, ...columns.build() };
}

/** Whether `p` looks like what {@link packTransactions} makes (the worker checks what it is sent). */
export function isPackedTransactions(p: unknown): p is PackedTransactions {
  if (typeof p !== 'object' || p === null) return false;
  const q = p as Partial<PackedTransactions>;
  return (
    q.rows instanceof Int32Array &&
    Array.isArray(q.others) &&
    q.amount instanceof Float64Array &&
    q.user instanceof Uint32Array &&
    q.location instanceof Uint32Array &&
    q.merchant instanceof Uint32Array &&
    Array.isArray(q.users) &&
    Array.isArray(q.locations) &&
    Array.isArray(q.merchants) &&
    typeof q.transaction_id?.text === 'string' &&
    q.transaction_id.ends instanceof Uint32Array &&
    typeof q.timestamp?.text === 'string' &&
    q.timestamp.ends instanceof Uint32Array
  );
}

/** The items again (in the worker): a plain row becomes an object with its contract fields. */
export function unpackTransactions(p: PackedTransactions): unknown[] {
  const out = new Array<unknown>(p.rows.length);
  let o = 0;
  for (let i = 0; i < p.rows.length; i++) {
    const r = p.rows[i];
    if (r < 0) {
      out[i] = p.others[o++];
      continue;
    }
    const t: Record<string, unknown> = {
      transaction_id: unpackString(p.transaction_id, r),
      user_id: p.users[p.user[r]],
      amount: p.amount[r],
      location: p.locations[p.location[r]],
      timestamp: unpackString(p.timestamp, r),
      merchant_type: p.merchants[p.merchant[r]],
    };
    const name = optionalAt(p.user_name, r);
    if (name !== undefined) t.user_name = name;
    const c = optionalAt(p.country, r);
    if (c !== undefined) t.country = c;
    const m = optionalAt(p.mcc_code, r);
    if (m !== undefined) t.mcc_code = m;
    out[i] = t;
  }
  return out;
}
