import { describe, expect, it } from 'vitest';
import { oneLine } from '../../base/TaskError.js';

describe('oneLine', () => {
  it('keeps a backend status line plus 4 KiB of its body, on one line', () => {
    const message = `ollama returned HTTP 500: ${'e'.repeat(4096)}`;
    expect(oneLine(message)).toBe(message);
    expect(oneLine('a\n  b\tc ')).toBe('a b c');
  });

  it('cuts longer messages with an ellipsis', () => {
    const cut = oneLine('x'.repeat(10_000));
    expect(cut).toHaveLength(4600);
    expect(cut.endsWith('…')).toBe(true);
  });
});
