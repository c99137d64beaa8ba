/**
 * idaa/checkConfig: a run config's text validated as training validates it (the engine's schema,
 * the preset merge and the cross-field checks), every problem at once with its line and column,
 * for the editor's diagnostics. Reads no file: the host sends the text (saved or not).
 */
import { ConfigError, PathOutsideRootError } from '../common/errors';
import { parseJsonText } from '../common/jsonText';
import { resolveConfig } from '../engine';
import type { RunConfigInput } from '../engine';
import { CheckConfigRequest, CheckConfigResult } from '../protocol/worker';
import { connection, paths } from './context';
import { guarded } from './wire';

/** Config files are small (as readJsonDocument's limit); more text is not a config. */
const MAX_TEXT = 16 * 1024 * 1024;

export function registerConfigCheckRequest(): void {
  connection.onRequest(
    CheckConfigRequest.type,
    guarded((params): CheckConfigResult => {
      const text = params?.text;
      if (typeof text !== 'string') return { issues: [{ field: '(file)', value: undefined, allowed: 'no config text was sent' }] };
      if (text.length > MAX_TEXT) return { issues: [{ field: '(file)', value: undefined, allowed: `the file holds ${text.length} characters; a run config is at most ${MAX_TEXT}` }] };
      try {
        const doc = parseJsonText(text, params.file);
        const config = resolveConfig(doc.value as RunConfigInput, params.file, doc.locate);
        try {
          // What Start checks next: the paths a training opens besides its dataset.
          paths.trainingConfig(config);
        } catch (e) {
          if (!(e instanceof PathOutsideRootError)) throw e;
          const field = e.field ?? 'vae.checkpoint';
          return { issues: [{ field, value: config.vae.checkpoint, allowed: `a checkpoint inside the runs folder (${paths.root ?? 'none: open a workspace folder'})`, ...(doc.locate(field.split('.')) ?? {}) }] };
        }
        return { issues: [] };
      } catch (e) {
        if (e instanceof ConfigError) return { issues: e.issues };
        throw e;
      }
    }),
  );
}
