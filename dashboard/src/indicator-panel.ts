import { el } from './dom.js';
import {
  fitsParam,
  INDICATORS,
  type IndicatorChoice,
  type IndicatorParam,
  type IndicatorSpec,
} from './indicator-specs.js';

interface ParamBox {
  param: IndicatorParam;
  input: HTMLInputElement;
}

interface Row {
  spec: IndicatorSpec;
  toggle: HTMLInputElement;
  boxes: ParamBox[];
}

/** Each box's value, or a message saying what is wrong with the first unfit one or with the set. */
function readRow({ spec, boxes }: Row): { params: Record<string, number> } | { problem: string } {
  const params: Record<string, number> = {};
  for (const { param, input } of boxes) {
    const value = input.valueAsNumber;
    if (!fitsParam(param, value))
      return {
        problem: `${spec.label} ${param.label}: from ${param.min} to ${param.max}${param.step === 1 ? ', whole' : ''}`,
      };
    params[param.name] = value;
  }
  const conflict = spec.conflict?.(params);
  return conflict === undefined ? { params } : { problem: conflict };
}

/**
 * A checkbox per indicator and a number box per parameter (MACD fast/slow/signal, Bollinger
 * window and k…): native, labelled controls, so the keyboard toggles and parametrises them. A box
 * out of bounds is marked invalid and changes nothing until fixed, so /indicators is only asked
 * what it takes.
 */
export function buildIndicatorPanel(
  container: HTMLElement,
  onChange: (choices: IndicatorChoice[]) => void,
): { show(choices: readonly IndicatorChoice[]): void } {
  const rows: Row[] = INDICATORS.map((spec) => {
    const toggle = el('input', { type: 'checkbox', id: `indicator-${spec.type}` });
    const boxes = spec.params.map((param) => ({
      param,
      input: el('input', {
        type: 'number',
        id: `indicator-${spec.type}-${param.name}`,
        min: String(param.min),
        max: String(param.max),
        step: String(param.step),
        value: String(param.default),
        'aria-label': `${spec.label} ${param.label}${param.hint === undefined ? '' : ` (${param.hint})`}`,
      }),
    }));
    container.append(
      el(
        'span',
        { class: 'indicator' },
        toggle,
        el('label', { for: toggle.id }, spec.label),
        ...boxes.flatMap(({ param, input }) => [
          el('label', { for: input.id, class: 'param' }, param.label),
          input,
        ]),
      ),
    );
    return { spec, toggle, boxes };
  });
  const problems = el('span', { id: 'indicator-problem', class: 'error', role: 'alert' });
  container.append(problems);

  /** Every row's state marked on its boxes; the choices when all are valid. */
  const check = (): IndicatorChoice[] | undefined => {
    const choices: IndicatorChoice[] = [];
    const messages: string[] = [];
    for (const row of rows) {
      const read = readRow(row);
      const problem = 'problem' in read ? read.problem : '';
      for (const { input } of row.boxes) {
        input.setCustomValidity(problem);
        input.setAttribute('aria-invalid', String(problem !== ''));
      }
      // An unfit box of an indicator that is off holds nothing up until it is switched on.
      if (!row.toggle.checked) continue;
      if ('problem' in read) messages.push(read.problem);
      else choices.push({ type: row.spec.type, params: read.params });
    }
    problems.textContent = messages.join('; ');
    return messages.length === 0 ? choices : undefined;
  };
  const changed = () => {
    const choices = check();
    if (choices !== undefined) onChange(choices);
  };
  for (const { toggle, boxes } of rows) {
    toggle.addEventListener('change', changed);
    for (const { input } of boxes) input.addEventListener('change', changed);
  }
  return {
    show(choices) {
      for (const { spec, toggle, boxes } of rows) {
        const choice = choices.find((candidate) => candidate.type === spec.type);
        toggle.checked = choice !== undefined;
        if (choice !== undefined)
          for (const { param, input } of boxes)
            input.value = String(choice.params[param.name] ?? param.default);
      }
      check();
    },
  };
}
