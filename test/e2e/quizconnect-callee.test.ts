/**
 * quizconnect end to end, the callee legs (docs/quizconnect.md E1–E5), against apps/quizconnect. The tests are in quizconnect-suites/callee.ts;
 * quizconnect-dsm-callee.test.ts runs the same ones against quizconnect imported from the DSM tutorial's scripts.
 */
// Media engine: both modes — quizconnect's prompts, PIN digits and bridge run through the media engine.
import { calleeSuite } from './quizconnect-suites/callee.js';
import { HANDWRITTEN_QUIZCONNECT } from '../support/quiz-apps.js';

calleeSuite(HANDWRITTEN_QUIZCONNECT);
