// The write queue: changes reach the server in the order the user made them.
//
// Changes wait in `pending` while one request is in flight; each request carries every change
// queued so far, oldest first, and the server applies them in that order in one transaction.
// When the page is closed, the changes not yet answered leave in one last `keepalive` request,
// and are kept in the tab's sessionStorage too: that request races the next page's own load,
// so the next task page of this tab and user sends them again and then shows the list as it
// stands after them (`takeUnsaved`). Each change carries its own `change_id`, and the server
// applies a change once however often it arrives (see batch.py).

const MAX_OPS = 200;
// Unsaved changes older than this are dropped rather than sent again: they would overwrite
// whatever was done since on another device. (The server remembers applied changes for a day.)
const UNSAVED_TTL_MS = 10 * 60_000;

export class WriteQueue {
  constructor({ url, csrfToken, storageKey, onResult, onError, onIdle }) {
    this.url = url;
    this.csrfToken = csrfToken;
    this.storageKey = storageKey;
    this.onResult = onResult;
    this.onError = onError;
    this.onIdle = onIdle;
    this.pending = [];
    this.inFlight = null;
    this.waiters = [];
    window.addEventListener('pagehide', () => this.flushOnExit());
  }

  get busy() {
    return this.inFlight !== null || this.pending.length > 0;
  }

  push(...ops) {
    for (const op of ops) op.change_id ??= newId();
    this.pending.push(...ops);
    if (!this.inFlight) this.pump();
  }

  // Resolves once every queued change has been answered.
  idle() {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  request(ops, extra = {}) {
    return fetch(this.url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: {
        Accept: 'application/json',
        'Content-Type': 'application/json',
        'X-CSRF-Token': this.csrfToken,
      },
      body: JSON.stringify({ ops }),
      ...extra,
    });
  }

  async pump() {
    while (this.pending.length) {
      const ops = this.pending.splice(0, MAX_OPS);
      this.inFlight = ops;
      try {
        const response = await this.request(ops);
        const body = await response.json().catch(() => null);
        if (!response.ok) {
          const error = new Error(body?.error?.message || `The server answered ${response.status}.`);
          error.status = response.status;
          throw error;
        }
        this.onResult(ops, body);
      } catch (error) {
        this.onError(error, ops);
      }
    }
    this.inFlight = null;
    this.onIdle();
    this.waiters.splice(0).forEach((resolve) => resolve());
  }

  // Leaving aborts the request in flight, perhaps before it was sent: send it again with the
  // changes still waiting. Repeating it is harmless (see batch.py), and the server applies
  // the batches in the order they arrive.
  flushOnExit() {
    const ops = [...(this.inFlight || []), ...this.pending];
    if (!ops.length) return;
    this.pending = [];
    try {
      sessionStorage.setItem(this.storageKey, JSON.stringify({ at: Date.now(), ops }));
    } catch {
      // Storage full or disabled: the keepalive request alone carries them.
    }
    // One request, as big as a batch may be (a browser may refuse a large keepalive body:
    // then, and for what does not fit, the stored copy is what remains).
    this.request(ops.slice(0, MAX_OPS), { keepalive: true }).catch(() => {});
  }

  // The changes an earlier page of this tab left unanswered (see above), taken out of
  // storage; an empty list when there are none.
  takeUnsaved() {
    let saved = null;
    try {
      saved = JSON.parse(sessionStorage.getItem(this.storageKey));
      sessionStorage.removeItem(this.storageKey);
    } catch {
      return [];
    }
    const fresh = saved && Date.now() - saved.at < UNSAVED_TTL_MS;
    return fresh && Array.isArray(saved.ops) ? saved.ops : [];
  }
}

// A random (version 4) UUID; crypto.randomUUID needs a secure context, a LAN address is not one.
export function newId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
