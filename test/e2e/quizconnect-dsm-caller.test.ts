/**
 * quizconnect imported from the DSM tutorial's scripts (`npm run import-dsm` + the committed TODO patch, see
 * docs/migrating-from-dsm.md), end to end: the caller leg (docs/quizconnect.md C1–C8), the same tests as apps/quizconnect's
 * (quizconnect-suites/caller.ts). Where the scripts name or order a step differently, test/support/quiz-apps.ts says so.
 * (The suite starts the server with withQuiz: scripts/test.mjs runs this file again with media on the main thread.)
 */
import { callerSuite } from './quizconnect-suites/caller.js';
import { importedQuizconnect } from '../support/quiz-apps.js';

callerSuite(importedQuizconnect());
