/**
 * quizconnect imported from the DSM tutorial's scripts (`npm run import-dsm` + the committed TODO patch, see
 * docs/migrating-from-dsm.md), end to end: the callee legs (docs/quizconnect.md E1–E5), the same tests as apps/quizconnect's
 * (quizconnect-suites/callee.ts). Where the scripts name or order a step differently, test/support/quiz-apps.ts says so.
 */
// Media engine: one pass only — the same suite runs against apps/quizconnect in both modes; here the subject is the importer.
import { calleeSuite } from './quizconnect-suites/callee.js';
import { importedQuizconnect } from '../support/quiz-apps.js';

calleeSuite(importedQuizconnect());
