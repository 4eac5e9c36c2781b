/**
 * quizconnect end to end, the caller leg (docs/quizconnect.md C1–C8), against apps/quizconnect. The tests are in quizconnect-suites/caller.ts;
 * quizconnect-dsm-caller.test.ts runs the same ones against quizconnect imported from the DSM tutorial's scripts.
 * (The suite starts the server with withQuiz: scripts/test.mjs runs this file again with media on the main thread.)
 */
import { callerSuite } from './quizconnect-suites/caller.js';
import { HANDWRITTEN_QUIZCONNECT } from '../support/quiz-apps.js';

callerSuite(HANDWRITTEN_QUIZCONNECT);
