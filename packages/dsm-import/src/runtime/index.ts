/**
 * What flows imported from DSM use at run time: DSM values and comparisons, variable writes, repost(), throw(),
 * log(), dialout, unsupported(). Everything else they use is the ordinary flow DSL (@sipflow/runtime/flow).
 */
export {
  dsmContext,
  v,
  p,
  otherLegWasUp,
  sel,
  cmp,
  evalSum,
  inc,
  legById,
  isDsmEvent,
  returnsTo,
  utils,
  type DsmContext,
  type DsmInput,
  type DsmCompare,
} from './values.js';
export {
  dsmActions,
  loopPasses,
  unsupported,
  type DsmActionFunction,
  type DsmExceptionEvent,
  type DsmTimerEvent,
  type DsmFsmEvent,
  type DsmDiagrams,
  type DsmLoop,
} from './actions.js';
