/**
 * The tutorial's quizconnect as a DSM user gets it: `npm run import-dsm` on the two scripts, then the committed
 * patch fixtures/quizconnect/quizconnect-dsm.patch that fills in the TODOs (the lookup on the callees table, db_url,
 * a hangup in the states DSM let it through). Used by the import test and the quizconnect end-to-end tests.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { importDsm } from '../src/index.js';
import { fixture, tempApps, type TempApps } from './support.js';

export const QC_DSM_APP = 'quizconnect-dsm';
export const QC_DSM_PATCH = fixture('quizconnect/quizconnect-dsm.patch');

/** Import + patch into a temporary apps folder inside the repository; throws when the patch does not apply. */
export function importQuizconnectDsm(label = 'qc'): TempApps {
  const apps = tempApps(label);
  const dir = join(apps.appsDir, QC_DSM_APP);
  importDsm({
    files: ['quizconnect/quizconnect_caller.dsm', 'quizconnect/quizconnect_callee.dsm'],
    app: QC_DSM_APP,
    out: dir,
    cwd: fixture('.'),
  });
  const res = spawnSync('patch', ['-p0', '--batch', '--forward', '--no-backup-if-mismatch', '-d', dir, '-i', QC_DSM_PATCH], { encoding: 'utf8' });
  if (res.status !== 0) {
    apps.cleanup();
    throw new Error(
      `the TODO patch no longer applies to the imported quizconnect (regenerate it, see docs/migrating-from-dsm.md):\n${res.stdout}${res.stderr}`,
    );
  }
  return apps;
}
