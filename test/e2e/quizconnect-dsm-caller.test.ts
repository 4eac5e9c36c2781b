/**
 * quizconnect imported from the DSM tutorial's scripts (`npm run import-dsm` + the committed TODO patch, see
 * docs/migrating-from-dsm.md), end to end: the caller leg (docs/quizconnect.md C1–C8), the same tests as apps/quizconnect's
 * (quizconnect-suites/caller.ts). Where the scripts name or order a step differently, test/support/quiz-apps.ts says so.
 */
// Media engine: one pass only — the same suite runs against apps/quizconnect in both modes; here the subject is the importer.
import { callerSuite } from './quizconnect-suites/caller.js';
import { importedQuizconnect } from '../support/quiz-apps.js';

callerSuite(importedQuizconnect());
