import { el } from './dom.js';

/**
 * The read key lives in sessionStorage only: gone when the tab closes, never in a cookie, a URL or
 * localStorage.
 */
const STORAGE_KEY = 'market-data-platform.api-key';

export function storedApiKey(): string | undefined {
  return sessionStorage.getItem(STORAGE_KEY) ?? undefined;
}

export function storeApiKey(key: string): void {
  sessionStorage.setItem(STORAGE_KEY, key);
}

export function forgetApiKey(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}

/** Asks for a read key in a modal form (keyboard-operable, labelled); resolves with what was typed. */
export function promptForApiKey(reason: string): Promise<string> {
  const input = el('input', {
    id: 'api-key',
    type: 'password',
    autocomplete: 'off',
    required: '',
    spellcheck: 'false',
  });
  const form = el(
    'form',
    { method: 'dialog' },
    el('p', {}, reason),
    el('label', { for: 'api-key' }, 'Read API key'),
    input,
    el('button', { type: 'submit' }, 'Use key'),
  );
  const dialog = el('dialog', { id: 'api-key-dialog', 'aria-label': 'API key' }, form);
  document.body.append(dialog);
  dialog.showModal();
  return new Promise((resolve) => {
    form.addEventListener('submit', (event) => {
      // The key goes to the caller, not into a form submission (which could put it in a URL).
      event.preventDefault();
      const key = input.value.trim();
      if (key === '') return;
      dialog.close();
      dialog.remove();
      resolve(key);
    });
  });
}
