/**
 * quizconnect end to end, the callee legs (docs/quizconnect.md E1–E5), against apps/quizconnect. The tests are in quizconnect-suites/callee.ts;
 * quizconnect-dsm-callee.test.ts runs the same ones against quizconnect imported from the DSM tutorial's scripts.
 * (The suite starts the server with withQuiz: scripts/test.mjs runs this file again with media on the main thread.)
 */
import { calleeSuite } from './quizconnect-suites/callee.js';
import { HANDWRITTEN_QUIZCONNECT } from '../support/quiz-apps.js';

calleeSuite(HANDWRITTEN_QUIZCONNECT);
