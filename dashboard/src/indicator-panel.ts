import { el } from './dom.js';
import { INDICATORS, type IndicatorChoice } from './indicator-specs.js';

/**
 * A checkbox per indicator and a number box for its window: native, labelled controls, so the
 * keyboard toggles and parametrises them.
 */
export function buildIndicatorPanel(
  container: HTMLElement,
  onChange: (choices: IndicatorChoice[]) => void,
): { show(choices: readonly IndicatorChoice[]): void } {
  const rows = INDICATORS.map((spec) => {
    const toggle = el('input', { type: 'checkbox', id: `indicator-${spec.type}` });
    const window =
      spec.defaultWindow === undefined
        ? undefined
        : el('input', {
            type: 'number',
            id: `indicator-${spec.type}-window`,
            min: '1',
            max: '500',
            value: String(spec.defaultWindow),
            'aria-label': `${spec.label} window`,
          });
    container.append(
      el(
        'span',
        { class: 'indicator' },
        toggle,
        el('label', { for: toggle.id }, spec.label),
        ...(window === undefined ? [] : [window]),
      ),
    );
    return { spec, toggle, window };
  });
  const read = (): IndicatorChoice[] =>
    rows
      .filter((row) => row.toggle.checked)
      .map(({ spec, window }) => {
        const value = window === undefined ? NaN : window.valueAsNumber;
        return {
          type: spec.type,
          window:
            window === undefined ? undefined : Number.isInteger(value) ? value : spec.defaultWindow,
        };
      });
  for (const { toggle, window } of rows) {
    toggle.addEventListener('change', () => {
      onChange(read());
    });
    window?.addEventListener('change', () => {
      onChange(read());
    });
  }
  return {
    show(choices) {
      for (const { spec, toggle, window } of rows) {
        const choice = choices.find((candidate) => candidate.type === spec.type);
        toggle.checked = choice !== undefined;
        if (window !== undefined && choice?.window !== undefined)
          window.value = String(choice.window);
      }
    },
  };
}
