/**
 * The tutorial's quizconnect as a DSM user gets it: the two scripts with the tutorial's bugs fixed in DSM
 * (fixtures/quizconnect/quizconnect-dsm-fixes.patch: a ring timeout, the first PIN wins, dialout credentials), then
 * `npm run import-dsm`, then the committed patch fixtures/quizconnect/quizconnect-dsm.patch that fills in the TODOs
 * (the lookup on the callees table, db_url, a hangup in the states DSM let it through). Used by the import test and
 * the quizconnect end-to-end tests.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { importDsm } from '../src/index.js';
import { fixture, tempApps, type TempApps } from './support.js';

export const QC_DSM_APP = 'quizconnect-dsm';
export const QC_DSM_SCRIPTS = ['quizconnect_caller.dsm', 'quizconnect_callee.dsm'];
export const QC_DSM_FIXES = fixture('quizconnect/quizconnect-dsm-fixes.patch');
export const QC_DSM_PATCH = fixture('quizconnect/quizconnect-dsm.patch');

function applyPatch(patchFile: string, dir: string, what: string, cleanup: () => void): void {
  const res = spawnSync('patch', ['-p0', '--batch', '--forward', '--no-backup-if-mismatch', '-d', dir, '-i', patchFile], { encoding: 'utf8' });
  if (res.status !== 0) {
    cleanup();
    throw new Error(`${what} no longer applies (remake it, see docs/migrating-from-dsm.md):\n${res.stdout}${res.stderr}`);
  }
}

/**
 * Copies the tutorial's scripts into `dir` with the DSM fixes applied (the committed scripts stay as the tutorial
 * has them); returns `dir`.
 */
export function fixedQuizconnectScripts(dir: string, cleanup: () => void = () => {}): string {
  mkdirSync(dir, { recursive: true });
  for (const f of QC_DSM_SCRIPTS) copyFileSync(fixture(`quizconnect/${f}`), join(dir, f));
  applyPatch(QC_DSM_FIXES, dir, 'the DSM fixes of the tutorial scripts', cleanup);
  return dir;
}

/** Fixed scripts + import + TODO patch into a temporary apps folder inside the repository; throws when a patch does not apply. */
export function importQuizconnectDsm(label = 'qc'): TempApps {
  const apps = tempApps(label);
  const scripts = fixedQuizconnectScripts(join(apps.root, 'dsm'), apps.cleanup);
  const dir = join(apps.appsDir, QC_DSM_APP);
  importDsm({ files: QC_DSM_SCRIPTS, app: QC_DSM_APP, out: dir, cwd: scripts });
  applyPatch(QC_DSM_PATCH, dir, 'the TODO patch of the imported quizconnect', apps.cleanup);
  return apps;
}
