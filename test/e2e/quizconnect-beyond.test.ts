/**
 * quizconnect end to end, what the tutorial's scripts left broken (docs/quizconnect.md B1–B6), against
 * apps/quizconnect. The tests are in quizconnect-suites/beyond.ts; quizconnect-dsm-beyond.test.ts runs the same
 * ones against quizconnect imported from the DSM tutorial's scripts.
 */
// Media engine: one pass only — B1–B6 are the flows' rules beyond the tutorial (ring timeout, failing legs, digest, a
// flow's own failure); the prompts, PIN digits and bridge they pass through run in both modes in the caller and callee suites.
import { beyondSuite } from './quizconnect-suites/beyond.js';
import { HANDWRITTEN_QUIZCONNECT } from '../support/quiz-apps.js';

beyondSuite(HANDWRITTEN_QUIZCONNECT);
