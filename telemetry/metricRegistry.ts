/**
 * A set of metric families rendered together: what one `/metrics` endpoint
 * serves. Each worker has its own (no global registry: two workers in one
 * process, or a host application with its own metrics, must not collide).
 */
import { EXPOSITION_CONTENT_TYPE } from './exposition.js';
import type { MetricFamily } from './instruments.js';

export class MetricRegistry {
  /** The Content-Type of {@link MetricRegistry.render}'s text. */
  readonly contentType = EXPOSITION_CONTENT_TYPE;
  private readonly families = new Map<string, MetricFamily>();

  /** Add a family; returns it. A name may be registered once. */
  register<F extends MetricFamily>(family: F): F {
    if (this.families.has(family.name)) throw new Error(`metric ${family.name} is already registered`);
    this.families.set(family.name, family);
    return family;
  }

  /** The families in registration order (docs, tests). */
  list(): readonly MetricFamily[] {
    return [...this.families.values()];
  }

  /** Run every collector, then the text exposition (Prometheus 0.0.4), one family after the other. */
  async render(): Promise<string> {
    await Promise.all(this.list().map((family) => family.collect()));
    const lines = this.list().flatMap((family) => family.render());
    return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
  }
}
