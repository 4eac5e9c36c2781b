/**
 * quizconnect imported from the DSM tutorial's scripts (`npm run import-dsm` + the committed TODO patch, see
 * docs/migrating-from-dsm.md), end to end: what the tutorial's scripts left broken (docs/quizconnect.md B1–B6), the same tests as apps/quizconnect's
 * (quizconnect-suites/beyond.ts). Where the scripts name or order a step differently, test/support/quiz-apps.ts says so.
 */
// Media engine: one pass only — the same suite runs against apps/quizconnect; here the subject is the importer.
import { beyondSuite } from './quizconnect-suites/beyond.js';
import { importedQuizconnect } from '../support/quiz-apps.js';

beyondSuite(importedQuizconnect());
