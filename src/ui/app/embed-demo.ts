/**
 * The embed demo page: one `<anomaly-detector>` and a form that scores a transaction with it.
 * The decision renders as text (JSON), never as markup.
 */
import '../anomaly-detector';
import { registerServiceWorker } from './register-service-worker';

registerServiceWorker();

const detector = document.querySelector('anomaly-detector')!;
const form = document.querySelector<HTMLFormElement>('#txn-form')!;
const result = document.querySelector<HTMLElement>('#result')!;
const time = form.elements.namedItem('timestamp') as HTMLInputElement;

/** Local date-time as `YYYY-MM-DDTHH:MM` for the input. */
function localInputValue(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
time.value = localInputValue(new Date());

/** An ISO 8601 timestamp with this browser's offset, as the contract wants. */
function withOffset(local: string): string {
  const d = new Date(local);
  const offset = -d.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const pad = (n: number) => String(Math.floor(Math.abs(n))).padStart(2, '0');
  return `${local.length === 16 ? `${local}:00` : local}${sign}${pad(offset / 60)}:${pad(offset % 60)}`;
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const data = new FormData(form);
  const txn = {
    transaction_id: `demo-${Date.now().toString(36)}`,
    user_id: String(data.get('user_id') ?? ''),
    amount: Number(data.get('amount')),
    location: String(data.get('location') ?? ''),
    merchant_type: String(data.get('merchant_type') ?? ''),
    timestamp: withOffset(String(data.get('timestamp') ?? '')),
  };
  result.textContent = 'Scoring…';
  detector.detect(txn).then(
    (decision) => (result.textContent = JSON.stringify(decision, null, 2)),
    (error: unknown) => (result.textContent = `Failed: ${error instanceof Error ? error.message : String(error)}`),
  );
});
