/** Shared bits of the fault runs. */
export const timedOut = 'no answer within the time limit';
