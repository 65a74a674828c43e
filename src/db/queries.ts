/** Settings shared by the queries of every area. */

/**
 * Batch size of finds whose result grows with the data (messages of a window, receivers,
 * senders, address books): the whole result comes back in the first reply, up to the
 * server's 16 MB per reply, instead of 101 documents and then getMore round trips.
 */
export const ONE_BATCH = 1_000_000;
