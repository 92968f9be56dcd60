/**
 * The inspect setting, on its own so that the daemon can read it without
 * loading the inspector (and @statelyai/inspect, ~16 MB and ~70 ms) when it is off.
 */
export type InspectMode = 'off' | 'builtin' | 'stately';

/** Normalise the setting's accepted spellings. */
export function inspectMode(setting: string): InspectMode {
  switch (setting.trim().toLowerCase()) {
    case '1':
    case 'true':
    case 'builtin':
      return 'builtin';
    case 'stately':
      return 'stately';
    default:
      return 'off';
  }
}
