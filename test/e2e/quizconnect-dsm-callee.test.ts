/**
 * quizconnect imported from the DSM tutorial's scripts (`npm run import-dsm` + the committed TODO patch, see
 * docs/migrating-from-dsm.md), end to end: the callee legs (docs/quizconnect.md E1–E5), the same tests as apps/quizconnect's
 * (quizconnect-suites/callee.ts). Where the scripts name or order a step differently, test/support/quiz-apps.ts says so.
 * (The suite starts the server with withQuiz: scripts/test.mjs runs this file again with media on the main thread.)
 */
import { calleeSuite } from './quizconnect-suites/callee.js';
import { importedQuizconnect } from '../support/quiz-apps.js';

calleeSuite(importedQuizconnect());
