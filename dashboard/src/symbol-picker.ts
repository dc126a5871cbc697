import { el } from './dom.js';
import type { SymbolInfo } from './api-session.js';

/**
 * The symbol select, narrowed by the search box as one types; Enter in the box picks the first
 * match. Both are native controls, so the keyboard works as everywhere else.
 */
export function wireSymbolPicker(
  search: HTMLInputElement,
  select: HTMLSelectElement,
  symbols: readonly SymbolInfo[],
  onPick: (symbol: string) => void,
): { select(symbol: string): void } {
  const render = (query: string) => {
    const wanted = query.trim().toLowerCase();
    const current = select.value;
    const matches = symbols.filter(
      (s) => s.symbol.toLowerCase().includes(wanted) || s.name.toLowerCase().includes(wanted),
    );
    select.replaceChildren(
      ...matches.map((s) => el('option', { value: s.symbol }, `${s.symbol} — ${s.name}`)),
    );
    if (matches.some((s) => s.symbol === current)) select.value = current;
  };
  render('');
  search.addEventListener('input', () => {
    render(search.value);
  });
  search.addEventListener('keydown', (event) => {
    const first = select.options[0];
    if (event.key !== 'Enter' || first === undefined) return;
    event.preventDefault();
    select.value = first.value;
    onPick(first.value);
  });
  select.addEventListener('change', () => {
    onPick(select.value);
  });
  return {
    select(symbol) {
      if (![...select.options].some((option) => option.value === symbol)) {
        search.value = '';
        render('');
      }
      select.value = symbol;
    },
  };
}
