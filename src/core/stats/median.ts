/**
 * Median of the first `n` values of `values` by quickselect (linear time, in place: the order of
 * `values` is changed). The mean of the two middle values when `n` is even.
 */
export function medianOf(values: Float64Array, n: number): number {
  const hi = n >> 1;
  select(values, n, hi);
  if (n % 2 === 1) return values[hi];
  // After selection everything left of `hi` is <= values[hi]; its maximum is the lower middle.
  let lower = values[0];
  for (let i = 1; i < hi; i++) if (values[i] > lower) lower = values[i];
  return (lower + values[hi]) / 2;
}

/** Reorders `a[0..n)` so that `a[k]` is the k-th smallest, smaller to its left, larger to its right. */
function select(a: Float64Array, n: number, k: number): void {
  let left = 0;
  let right = n - 1;
  while (right > left) {
    // Median-of-three pivot keeps sorted and reverse-sorted histories linear.
    const mid = (left + right) >> 1;
    if (a[mid] < a[left]) swap(a, mid, left);
    if (a[right] < a[left]) swap(a, right, left);
    if (a[right] < a[mid]) swap(a, right, mid);
    const pivot = a[mid];
    let i = left;
    let j = right;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return;
  }
}

function swap(a: Float64Array, i: number, j: number): void {
  const x = a[i];
  a[i] = a[j];
  a[j] = x;
}
