/**
 * quizconnect end to end, the caller leg (docs/quizconnect.md C1–C8), against apps/quizconnect. The tests are in quizconnect-suites/caller.ts;
 * quizconnect-dsm-caller.test.ts runs the same ones against quizconnect imported from the DSM tutorial's scripts.
 */
// Media engine: both modes — quizconnect's prompts, PIN digits and bridge run through the media engine.
import { callerSuite } from './quizconnect-suites/caller.js';
import { HANDWRITTEN_QUIZCONNECT } from '../support/quiz-apps.js';

callerSuite(HANDWRITTEN_QUIZCONNECT);
